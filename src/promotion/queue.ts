import { createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../config/schema.js';
import { QUEUE_PREFIX } from '../queue/names.js';
import { chainKey, chainsFrom } from '../config/chains.js';
import type { CheckJob } from './check.js';
import type { RollbackJob } from './rollback.js';
import { createPromotionStates } from './states.js';

export const PROMOTIONS_QUEUE = 'promotions';
export type PromotionJob = CheckJob | RollbackJob;

const checkJobId = (fromEnvId: string, chain: string) =>
  `promo-${fromEnvId}-${createHash('sha256').update(chain).digest('hex').slice(0, 16)}`;
/** Set when a check is asked for while one runs: that run looks once more before it ends. */
export const rerunKey = (jobId: string) => `${QUEUE_PREFIX}:promo-rerun:${jobId}`;

const checkOptions = {
  attempts: 8,
  backoff: { type: 'dispatchd' },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Asks for promotion checks: one durable job per (link, source environment) that polls with
 * backoff until the update lands and its gate passes (docs/promotion.md). Asking again while it
 * waits runs it at once; events only make it early, never necessary.
 */
export function createPromotionRequests(
  queue: Queue<PromotionJob>,
  redis: Redis,
  config: Pick<DispatchdConfig, 'gitops'>,
) {
  async function ask(fromEnvId: string, chain: string, fresh: boolean): Promise<void> {
    const jobId = checkJobId(fromEnvId, chain);
    const data: CheckJob = { kind: 'check', fromEnvId, chain, since: Date.now(), looks: 0 };
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    if (job && state === 'delayed') {
      // A new update of `from` starts a new wait (its own timeout); an event keeps the old one.
      if (fresh) await (job as Job<CheckJob>).updateData(data);
      await job.promote().catch(() => undefined);
      return;
    }
    if (job && (state === 'active' || state === 'waiting' || state === 'prioritized')) {
      await redis.set(rerunKey(jobId), '1', 'EX', 24 * 3600);
      return;
    }
    if (job) await job.remove().catch(() => undefined);
    await queue.add('check', data, { ...checkOptions, jobId });
  }
  return {
    /** An update of (repo, dir) was written by `fromEnvId`: check every link out of it. */
    async requestPromotionCheck(fromEnvId: string, repo: string, dir: string): Promise<void> {
      for (const link of chainsFrom(config, repo, dir)) await ask(fromEnvId, chainKey(link), true);
    },
    /**
     * Something happened in a GitOps repository (a PR merged, a status posted): every check
     * waiting on a link of that repository looks now.
     */
    async nudge(repo: string): Promise<number> {
      let n = 0;
      const ofRepo = (job: Job<PromotionJob>) => job.data.kind === 'check' && job.data.chain.startsWith(`${repo}|`);
      // A check looking right now may have read the repository before this event: it looks once
      // more (marked first, so a check moving to delayed meanwhile is promoted below).
      for (const job of await queue.getJobs(['active'])) {
        if (!ofRepo(job)) continue;
        await redis.set(rerunKey(job.id!), '1', 'EX', 24 * 3600);
        n++;
      }
      for (const job of await queue.getJobs(['delayed'])) {
        if (!ofRepo(job)) continue;
        await job.promote().catch(() => undefined);
        n++;
      }
      // A gate that failed ended its check; a newer status (Argo CD healthy again) may pass it.
      for (const s of await createPromotionStates(redis).list()) {
        if (s.phase !== 'gate-failed' || !s.chain.startsWith(`${repo}|`)) continue;
        await ask(s.fromEnvId, s.chain, false);
        n++;
      }
      return n;
    },
  };
}
export type PromotionRequests = ReturnType<typeof createPromotionRequests>;
