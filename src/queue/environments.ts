import type { Redis } from 'ioredis';
import { GITOPS_QUEUE, keys, QUEUE_PREFIX } from './names.js';
import { createPauses } from './pauses.js';

/** A status line on a source commit waiting for its environment's update to settle. */
export interface PendingStatus {
  host: string;
  repo: string;
  sha: string;
  context: string;
  seq: number;
  /** The delivery's audit id, so the final status can link to it in the dashboard. */
  auditId?: string;
}

/** What the last run of an environment did, for operators (`GET /api/environments`). */
export interface LastRun {
  seq: number;
  sha: string;
  outcome: string;
  at: number;
  prUrl?: string;
  error?: string;
}

// Every environment ever offered, so operators can list them; ids are content hashes, so the
// set grows with environments, not with pushes.
const envIndex = () => `${QUEUE_PREFIX}:envs`;

// The environment's job id, if that job can still run: a job that ended in any way (completed,
// failed for good, stalled too often, removed) without releasing the environment must not
// hold it, or every later push would be dropped. BullMQ keeps a job as the hash
// <prefix>:<queue>:<id>, with finishedOn set once it has ended.
// A job id is handed out before its job is added, so a missing job is only dead once its id is
// older than a minute (the value is "<job id> <ms allocated>").
const LIVE_JOB = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function liveJob(envJobKey, jobPrefix)
  local v = redis.call('GET', envJobKey)
  if not v then return nil end
  local job, at = string.match(v, '^(%S+) (%d+)$')
  if not job then job = v; at = '0' end
  local k = jobPrefix .. job
  if redis.call('HEXISTS', k, 'finishedOn') == 1 then return nil end
  if redis.call('EXISTS', k) == 0 and nowMs() - tonumber(at) > 60000 then return nil end
  return job
end
local function newJob(envJobKey, genKey, base)
  local job = base .. '-' .. redis.call('INCR', genKey)
  redis.call('SET', envJobKey, job .. ' ' .. nowMs())
  return job
end
`;

// Keeps the newest spec per environment (by plan stamp) and one job id per environment while
// work is queued or running, so a burst of pushes collapses into one follow-up run.
const OFFER = `${LIVE_JOB}
local cur = redis.call('HGET', KEYS[1], 'seq')
local stale = cur and tonumber(cur) >= tonumber(ARGV[1])
if not stale then redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'spec', ARGV[2]) end
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[5])
local job = liveJob(KEYS[2], ARGV[6]) or newJob(KEYS[2], KEYS[4], ARGV[4])
return {job, stale and 1 or 0}
`;

// The job id that will apply the environment: the queued or running one, else a fresh one.
const CLAIM = `${LIVE_JOB}
return liveJob(KEYS[1], ARGV[2]) or newJob(KEYS[1], KEYS[2], ARGV[1])
`;

const JOB_PREFIX = `${QUEUE_PREFIX}:${GITOPS_QUEUE}:`;

// Releases the environment's job id unless a newer spec arrived since `applied`.
const RELEASE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if cur > tonumber(ARGV[1]) then return 0 end
local v = redis.call('GET', KEYS[2])
if v and string.match(v, '^%S+') == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
`;

export function createEnvironments(redis: Redis) {
  return {
    /** Operator pauses: the GitOps worker asks before applying, the API sets and lifts them. */
    pauses: createPauses(redis),
    /** Records a spec for an environment; returns the job id that will apply it. */
    async offer(
      envId: string,
      seq: number,
      spec: unknown,
      pending: PendingStatus,
    ): Promise<{ jobId: string; stale: boolean }> {
      const [jobId, stale] = (await redis.eval(
        OFFER,
        5,
        keys.envLatest(envId),
        keys.envJob(envId),
        keys.envPending(envId),
        keys.envGeneration(),
        envIndex(),
        seq,
        JSON.stringify(spec),
        JSON.stringify(pending),
        `env-${envId}`,
        envId,
        JOB_PREFIX,
      )) as [string, number];
      return { jobId, stale: stale === 1 };
    },
    /** The job id to queue so that the environment's newest spec gets applied (used on resume). */
    async claim(envId: string): Promise<string> {
      return (await redis.eval(
        CLAIM,
        2,
        keys.envJob(envId),
        keys.envGeneration(),
        `env-${envId}`,
        JOB_PREFIX,
      )) as string;
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
    /** Statuses still waiting, without taking them. */
    async pending(envId: string): Promise<PendingStatus[]> {
      return (await redis.lrange(keys.envPending(envId), 0, -1)).map((s) => JSON.parse(s) as PendingStatus);
    },
    /**
     * Marks pending statuses up to `seq` as told "paused"; returns those not told before, so a
     * burst during a pause sets each commit's status once.
     */
    async notePaused(envId: string, seq: number): Promise<PendingStatus[]> {
      const told = Number((await redis.hget(keys.envLatest(envId), 'pausedTold')) ?? '0');
      const fresh = (await this.pending(envId)).filter((p) => p.seq > told && p.seq <= seq);
      if (seq > told) await redis.hset(keys.envLatest(envId), 'pausedTold', String(seq));
      return fresh;
    },
    async recordRun(envId: string, run: LastRun): Promise<void> {
      await redis.hset(keys.envLatest(envId), 'last', JSON.stringify(run));
    },
    /** Every environment that has had a push: its newest spec, last run and waiting statuses. */
    async list<T>(): Promise<
      { envId: string; seq: number; spec: T; last?: LastRun; pending: number; jobId?: string }[]
    > {
      const ids = (await redis.smembers(envIndex())).sort();
      const out = [];
      for (const envId of ids) {
        const [h, pending, jobValue] = await Promise.all([
          redis.hgetall(keys.envLatest(envId)),
          redis.llen(keys.envPending(envId)),
          redis.get(keys.envJob(envId)),
        ]);
        const jobId = jobValue?.split(' ')[0];
        if (!h.seq || !h.spec) continue;
        out.push({
          envId,
          seq: Number(h.seq),
          spec: JSON.parse(h.spec) as T,
          ...(h.last ? { last: JSON.parse(h.last) as LastRun } : {}),
          pending,
          ...(jobId ? { jobId } : {}),
        });
      }
      return out;
    },
  };
}
export type Environments = ReturnType<typeof createEnvironments>;
