import type { Redis } from 'ioredis';
import { keys, QUEUE_PREFIX } from './names.js';

/** Who paused an environment, when and why; shown by `GET /api/environments`. */
export interface PauseRecord {
  repo: string;
  dir: string;
  by?: string;
  reason?: string;
  at: number;
}

// A pause names (GitOps repo, dir) as an operator sees it: "github:acme/gitops" + "staging".
// Every source repository and base branch writing there is held by the same pause.
const pauseKey = (repo: string, dir: string) => `${QUEUE_PREFIX}:pause:${repo}|${dir}`;
const heldKey = (repo: string, dir: string) => `${QUEUE_PREFIX}:pause-held:${repo}|${dir}`;
const pauseIndex = () => `${QUEUE_PREFIX}:pauses`;

// Atomic with RESUME: either the worker sees the pause and parks the environment (dropping its
// job id so that resume allocates a fresh job), or it sees no pause and applies. An environment
// can therefore never be parked by a run that resume did not see.
const HOLD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
local v = redis.call('GET', KEYS[3])
if v and string.match(v, '^%S+') == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1
`;

const RESUME = `
local existed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
local held = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return {existed, held}
`;

/** Operator pauses of GitOps environments, kept in Redis so every worker and receiver agrees. */
export function createPauses(redis: Redis) {
  return {
    async pause(p: PauseRecord): Promise<void> {
      const member = JSON.stringify([p.repo, p.dir]);
      await redis.multi().set(pauseKey(p.repo, p.dir), JSON.stringify(p)).sadd(pauseIndex(), member).exec();
    },
    /** Lifts a pause; returns whether it existed and the environment ids held meanwhile. */
    async resume(repo: string, dir: string): Promise<{ existed: boolean; held: string[] }> {
      const [existed, held] = (await redis.eval(
        RESUME,
        3,
        pauseKey(repo, dir),
        heldKey(repo, dir),
        pauseIndex(),
        JSON.stringify([repo, dir]),
      )) as [number, string[]];
      return { existed: existed === 1, held };
    },
    async get(repo: string, dir: string): Promise<PauseRecord | null> {
      const raw = await redis.get(pauseKey(repo, dir));
      return raw ? (JSON.parse(raw) as PauseRecord) : null;
    },
    async list(): Promise<PauseRecord[]> {
      const members = (await redis.smembers(pauseIndex())).map((m) => JSON.parse(m) as [string, string]);
      const found = await Promise.all(members.map(([repo, dir]) => this.get(repo, dir)));
      return found.filter((p): p is PauseRecord => p !== null);
    },
    /**
     * Called by the GitOps worker before applying: when (repo, dir) is paused, parks `envId` for
     * resume and gives up the job id `jobId` holds; returns true. Returns false when not paused.
     */
    async hold(repo: string, dir: string, envId: string, jobId: string): Promise<boolean> {
      return (
        (await redis.eval(HOLD, 3, pauseKey(repo, dir), heldKey(repo, dir), keys.envJob(envId), envId, jobId)) === 1
      );
    },
  };
}
export type Pauses = ReturnType<typeof createPauses>;
