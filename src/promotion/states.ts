import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from '../queue/names.js';

/** Where one promotion stands, for the environments view and operators. */
export type PromotionPhase =
  'waiting-merge' | 'gate-pending' | 'soaking' | 'gate-failed' | 'held' | 'promoted' | 'timed-out' | 'failed';

export interface PromotionState {
  /** `<repo>|<from>|<to>` of the link. */
  chain: string;
  /** The environment (source repository's) update being promoted. */
  fromEnvId: string;
  phase: PromotionPhase;
  /** The source commit that waits or was promoted. */
  source?: string;
  /** The GitOps commit on the base that carries it in `from`. */
  gitopsCommit?: string;
  /** In words: what it waits for, why it failed, what passed. */
  detail: string;
  at: number;
}

/** An operator's rollback of (repo, dir), shown until the environment is resumed. */
export interface RollbackRecord {
  repo: string;
  dir: string;
  phase: 'queued' | 'done' | 'failed';
  to?: string;
  from?: string;
  by?: string;
  prUrl?: string;
  error?: string;
  at: number;
}

const statesKey = () => `${QUEUE_PREFIX}:promotion-states`;
const promotedKey = () => `${QUEUE_PREFIX}:promotion-done`;
const rollbacksKey = () => `${QUEUE_PREFIX}:rollbacks`;

export function createPromotionStates(redis: Redis) {
  const field = (chain: string, fromEnvId: string) => `${chain}|${fromEnvId}`;
  return {
    async set(s: PromotionState): Promise<void> {
      await redis.hset(statesKey(), field(s.chain, s.fromEnvId), JSON.stringify(s));
    },
    async list(): Promise<PromotionState[]> {
      return Object.values(await redis.hgetall(statesKey())).map((v) => JSON.parse(v) as PromotionState);
    },
    /** The source commit last promoted over this link from this environment. */
    async promoted(chain: string, fromEnvId: string): Promise<string | null> {
      return redis.hget(promotedKey(), field(chain, fromEnvId));
    },
    async markPromoted(chain: string, fromEnvId: string, sha: string): Promise<void> {
      await redis.hset(promotedKey(), field(chain, fromEnvId), sha);
    },
    async setRollback(r: RollbackRecord): Promise<void> {
      await redis.hset(rollbacksKey(), `${r.repo}|${r.dir}`, JSON.stringify(r));
    },
    async rollback(repo: string, dir: string): Promise<RollbackRecord | null> {
      const raw = await redis.hget(rollbacksKey(), `${repo}|${dir}`);
      return raw ? (JSON.parse(raw) as RollbackRecord) : null;
    },
    async clearRollback(repo: string, dir: string): Promise<void> {
      await redis.hdel(rollbacksKey(), `${repo}|${dir}`);
    },
  };
}
export type PromotionStates = ReturnType<typeof createPromotionStates>;
