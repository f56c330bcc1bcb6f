import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './names.js';

/**
 * Which hosts the queued work is waiting on, for operators (`GET /api/hosts`, the
 * `dispatchd_host_*` gauges, the dashboard). A job whose attempt failed with a passing fault and
 * will be retried is *waiting* on the host that failed it; it stops waiting when it succeeds or
 * fails for good. Per host: a sorted set of waiting jobs (`<queue>:<job id>`, scored by when the
 * job first waited) and a hash with when the host started failing and its last error.
 */
const INDEX = `${QUEUE_PREFIX}:hosts`;
const waitingKey = (host: string) => `${QUEUE_PREFIX}:host:${host}:waiting`;
const stateKey = (host: string) => `${QUEUE_PREFIX}:host:${host}`;

// Lua computes the per-host keys from this prefix (the host names come from the index).
const LUA_KEYS = `
local function waitingKey(host) return ARGV[1] .. ':host:' .. host .. ':waiting' end
local function stateKey(host) return ARGV[1] .. ':host:' .. host end
local function leave(host, member, now)
  local w = waitingKey(host)
  if redis.call('ZREM', w, member) == 1 and redis.call('ZCARD', w) == 0 then
    redis.call('HDEL', stateKey(host), 'since')
    redis.call('HSET', stateKey(host), 'healedAt', now)
  end
end
`;

// ARGV: prefix, host, member, now, error. A job waits on one host at a time.
const WAIT = `${LUA_KEYS}
local host, member, now = ARGV[2], ARGV[3], ARGV[4]
redis.call('SADD', KEYS[1], host)
for _, other in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if other ~= host then leave(other, member, now) end
end
local w = waitingKey(host)
if redis.call('ZCARD', w) == 0 then
  redis.call('HSET', stateKey(host), 'since', now)
  redis.call('HDEL', stateKey(host), 'healedAt')
end
redis.call('ZADD', w, 'NX', now, member)
redis.call('HSET', stateKey(host), 'lastError', ARGV[5], 'lastErrorAt', now)
return 1
`;

// ARGV: prefix, member, now.
const DONE = `${LUA_KEYS}
for _, host in ipairs(redis.call('SMEMBERS', KEYS[1])) do leave(host, ARGV[2], ARGV[3]) end
return 1
`;

// ARGV: prefix, now. Drops members whose BullMQ job ended or vanished without telling us (a
// worker killed between the job's end and its event, a job removed by hand).
const PRUNE = `${LUA_KEYS}
for _, host in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  for _, member in ipairs(redis.call('ZRANGE', waitingKey(host), 0, -1)) do
    local job = ARGV[1] .. ':' .. member
    if redis.call('EXISTS', job) == 0 or redis.call('HEXISTS', job, 'finishedOn') == 1 then leave(host, member, ARGV[2]) end
  end
end
return 1
`;

export interface WaitingJob {
  queue: string;
  jobId: string;
  /** When this job first waited on the host (ms). */
  since: number;
}

export interface HostWaits {
  host: string;
  /** Jobs waiting on the host: push deliveries and environment updates. */
  waiting: number;
  /** Of those, push deliveries (`events` jobs) and environment updates (`gitops` jobs). */
  deliveries: number;
  environments: number;
  /** Since when the host has failed without a break (ms); absent when nothing waits. */
  since?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** When the last waiting job left (ms), once the host has healed. */
  healedAt?: number;
  /** The longest-waiting jobs, oldest first (at most `limit`). */
  jobs: WaitingJob[];
}

const MAX_ERROR = 500;

export function createHostWaits(redis: Redis, now: () => number = Date.now) {
  return {
    /** `queue`'s job `jobId` will be retried after `host` failed it with `error`. */
    async wait(host: string, queue: string, jobId: string, error: string): Promise<void> {
      await redis.eval(WAIT, 1, INDEX, QUEUE_PREFIX, host, `${queue}:${jobId}`, now(), error.slice(0, MAX_ERROR));
    },
    /** The job succeeded or failed for good: it waits on no host any more. */
    async done(queue: string, jobId: string): Promise<void> {
      await redis.eval(DONE, 1, INDEX, QUEUE_PREFIX, `${queue}:${jobId}`, now());
    },
    /** Every host that has ever had a waiting job, failing ones first. */
    async list(limit = 20): Promise<HostWaits[]> {
      await redis.eval(PRUNE, 1, INDEX, QUEUE_PREFIX, now());
      const hosts = (await redis.smembers(INDEX)).sort();
      const out: HostWaits[] = [];
      for (const host of hosts) {
        const [state, members, all] = await Promise.all([
          redis.hgetall(stateKey(host)),
          limit > 0 ? redis.zrange(waitingKey(host), 0, limit - 1, 'WITHSCORES') : Promise.resolve([] as string[]),
          redis.zrange(waitingKey(host), 0, -1),
        ]);
        const total = all.length;
        const deliveries = all.filter((m) => m.startsWith('events:')).length;
        const jobs: WaitingJob[] = [];
        for (let i = 0; i + 1 < members.length; i += 2) {
          const m = members[i]!;
          const at = m.indexOf(':');
          jobs.push({ queue: m.slice(0, at), jobId: m.slice(at + 1), since: Number(members[i + 1]) });
        }
        out.push({
          host,
          waiting: total,
          deliveries,
          environments: total - deliveries,
          jobs,
          ...(state.since ? { since: Number(state.since) } : {}),
          ...(state.lastError ? { lastError: state.lastError } : {}),
          ...(state.lastErrorAt ? { lastErrorAt: Number(state.lastErrorAt) } : {}),
          ...(state.healedAt ? { healedAt: Number(state.healedAt) } : {}),
        });
      }
      return out.sort((a, b) => Number(b.waiting > 0) - Number(a.waiting > 0) || a.host.localeCompare(b.host));
    },
  };
}
export type HostWaitsStore = ReturnType<typeof createHostWaits>;

/**
 * The host a failed attempt waited on: SCM errors name their configured host first
 * (`<host>: <what>`, src/scm/http-errors.ts), registry errors count under `registry`, anything
 * else under the host the job works against (`fallback`).
 */
export function hostOfFailure(err: unknown, fallback: string, known: Iterable<string>): string {
  const message = err instanceof Error ? err.message : String(err);
  for (const h of known) if (message.startsWith(`${h}: `)) return h;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('registry_')) return 'registry';
  return fallback;
}
