import type { Redis } from 'ioredis';
import type { EnvUpdateSpec } from '../core/env-update.js';
import { QUEUE_PREFIX } from '../queue/names.js';

/**
 * What one update of an environment wrote: the spec with its args as applied (digests resolved)
 * and its images pinned, so that a promotion or a rollback reproduces exactly the same image.
 */
export interface AppliedUpdate {
  spec: EnvUpdateSpec;
  /** The GitOps commit dispatchd pushed (on the head branch, or the base for a direct commit). */
  gitopsCommit: string;
  branch: string;
  prNumber?: number;
  prUrl?: string;
  at: number;
}

// Bounded per environment: a rollback reaches back this many updates, a promotion needs one.
const KEEP = 200;
const byShaKey = (envId: string) => `${QUEUE_PREFIX}:applied:${envId}`;
const orderKey = (envId: string) => `${QUEUE_PREFIX}:applied-order:${envId}`;

export function createAppliedUpdates(redis: Redis) {
  return {
    async record(envId: string, a: AppliedUpdate): Promise<void> {
      const sha = a.spec.source.sha;
      await redis.multi().hset(byShaKey(envId), sha, JSON.stringify(a)).zadd(orderKey(envId), a.at, sha).exec();
      const dropped = await redis.zrange(orderKey(envId), 0, -KEEP - 1);
      if (dropped.length > 0)
        await redis
          .multi()
          .hdel(byShaKey(envId), ...dropped)
          .zrem(orderKey(envId), ...dropped)
          .exec();
    },
    /** The update that carried source commit `sha` (a full id, or a prefix of at least 7). */
    async get(envId: string, sha: string): Promise<AppliedUpdate | null> {
      let raw = await redis.hget(byShaKey(envId), sha);
      if (!raw && sha.length >= 7 && sha.length < 40) {
        const match = (await redis.hkeys(byShaKey(envId))).filter((k) => k.startsWith(sha));
        if (match.length === 1) raw = await redis.hget(byShaKey(envId), match[0]!);
      }
      return raw ? (JSON.parse(raw) as AppliedUpdate) : null;
    },
    /** Every kept update of the environment, newest first. */
    async list(envId: string): Promise<AppliedUpdate[]> {
      const shas = (await redis.zrange(orderKey(envId), 0, -1)).reverse();
      if (shas.length === 0) return [];
      const raw = await redis.hmget(byShaKey(envId), ...shas);
      return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as AppliedUpdate);
    },
    /** The newest update written for the environment. */
    async newest(envId: string): Promise<AppliedUpdate | null> {
      const [sha] = await redis.zrange(orderKey(envId), -1, -1);
      return sha ? this.get(envId, sha) : null;
    },
  };
}
export type AppliedUpdates = ReturnType<typeof createAppliedUpdates>;
