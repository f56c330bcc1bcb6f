import type { Redis } from 'ioredis';
import { keys } from './names.js';

/** A status line on a source commit waiting for its environment's update to settle. */
export interface PendingStatus {
  host: string;
  repo: string;
  sha: string;
  context: string;
  seq: number;
}

// Keeps the newest spec per environment (by receipt seq) and one job id per environment while
// work is queued or running, so a burst of pushes collapses into one follow-up run.
const OFFER = `
local cur = redis.call('HGET', KEYS[1], 'seq')
local stale = cur and tonumber(cur) >= tonumber(ARGV[1])
if not stale then redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'spec', ARGV[2]) end
redis.call('RPUSH', KEYS[3], ARGV[3])
local job = redis.call('GET', KEYS[2])
if not job then
  job = ARGV[4] .. '-' .. redis.call('INCR', KEYS[4])
  redis.call('SET', KEYS[2], job)
end
return {job, stale and 1 or 0}
`;

// Releases the environment's job id unless a newer spec arrived since `applied`.
const RELEASE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if cur > tonumber(ARGV[1]) then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
`;

export function createEnvironments(redis: Redis) {
  return {
    /** Records a spec for an environment; returns the job id that will apply it. */
    async offer(envId: string, seq: number, spec: unknown, pending: PendingStatus): Promise<{ jobId: string; stale: boolean }> {
      const [jobId, stale] = (await redis.eval(OFFER, 4, keys.envLatest(envId), keys.envJob(envId), keys.envPending(envId), keys.envGeneration(), seq, JSON.stringify(spec), JSON.stringify(pending), `env-${envId}`)) as [string, number];
      return { jobId, stale: stale === 1 };
    },
    /** The newest spec for the environment. */
    async latest<T>(envId: string): Promise<{ seq: number; spec: T } | null> {
      const h = await redis.hgetall(keys.envLatest(envId));
      return h.seq && h.spec ? { seq: Number(h.seq), spec: JSON.parse(h.spec) as T } : null;
    },
    /** True when the job may finish: nothing newer than `appliedSeq` arrived meanwhile. */
    async release(envId: string, appliedSeq: number, jobId: string): Promise<boolean> {
      return (await redis.eval(RELEASE, 2, keys.envLatest(envId), keys.envJob(envId), appliedSeq, jobId)) === 1;
    },
    /** Takes the pending statuses at or below `seq` off the list and returns them. */
    async settle(envId: string, seq: number): Promise<PendingStatus[]> {
      const key = keys.envPending(envId);
      const all = (await redis.lrange(key, 0, -1)).map((s) => JSON.parse(s) as PendingStatus);
      const done = all.filter((p) => p.seq <= seq);
      for (const p of done) await redis.lrem(key, 1, JSON.stringify(p));
      return done;
    },
  };
}
export type Environments = ReturnType<typeof createEnvironments>;
