import { DelayedError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentError } from '../core/errors.js';
import type { ApplyDeps, ApplyResult } from '../gitops/apply.js';
import { repoKey } from '../core/repo-id.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import { QUEUE_PREFIX } from '../queue/names.js';
import { chainKey, chains } from '../config/chains.js';
import { runCheck, type CheckJob, type PromotionDeps } from './check.js';
import { PROMOTIONS_QUEUE, rerunKey, type PromotionJob, type PromotionRequests } from './queue.js';
import type { PrChecks } from './pr-checks.js';
import { runRollback, type RollbackJob } from './rollback.js';

/** The `promotions` processor: promotion checks (polling, delayed between looks) and rollbacks. */
export function createPromotionProcessor(deps: PromotionDeps & { apply: ApplyDeps }) {
  return async function processPromotion(job: Job<PromotionJob>, token?: string): Promise<unknown> {
    if (job.data.kind === 'rollback') return rollback(deps, job as Job<RollbackJob>);
    const check = job as Job<CheckJob>;
    let phase: string;
    try {
      phase = await runCheck(deps, check, token);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      // A refusal retrying cannot fix (a 404, a link that cannot be mapped): say so and stop.
      const link = chains(deps.config).find((c) => chainKey(c) === check.data.chain);
      await deps.states.set({
        chain: check.data.chain,
        fromEnvId: check.data.fromEnvId,
        phase: 'failed',
        detail: `${link ? `${link.from || '/'} → ${link.to || '/'}: ` : ''}${err.message}`,
        at: Date.now(),
      });
      phase = 'failed';
    }
    // Asked for again while this look ran: look once more rather than miss that request.
    if (await deps.redis.getdel(rerunKey(job.id!))) {
      await check.updateData({ ...check.data, since: Date.now(), looks: 0 });
      await job.moveToDelayed(Date.now() + 100, token);
      throw new DelayedError();
    }
    return phase;
  };
}

async function rollback(deps: PromotionDeps & { apply: ApplyDeps }, job: Job<RollbackJob>) {
  try {
    return await runRollback(deps, job);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    const d = job.data;
    await deps.states.setRollback({
      repo: d.repo,
      dir: d.dir,
      phase: 'failed',
      ...(d.to ? { to: d.to } : {}),
      ...(d.by ? { by: d.by } : {}),
      error: err.message,
      at: Date.now(),
    });
    deps.log.warn({ repo: d.repo, dir: d.dir, err: err.message }, 'rollback failed');
    return { error: err.message };
  }
}

export function startPromotionWorker(
  deps: PromotionDeps & { apply: ApplyDeps },
  connection: Redis,
  options: Omit<WorkerOptions, 'connection' | 'prefix'>,
) {
  return new Worker<PromotionJob>(PROMOTIONS_QUEUE, createPromotionProcessor(deps), {
    connection,
    prefix: QUEUE_PREFIX,
    ...options,
  });
}

/**
 * Called by the gitops worker after each run: what an update wrote is kept (promotions and
 * rollbacks reproduce it exactly), its pull request is tracked for the environments view, and the
 * links out of its environment are checked.
 */
export function afterGitopsRun(
  deps: Pick<PromotionDeps, 'applied'> & { prChecks?: PrChecks },
  requests: PromotionRequests,
) {
  return async (envId: string, spec: EnvUpdateSpec, result: ApplyResult): Promise<void> => {
    if (result.outcome !== 'updated') return;
    await deps.applied.record(envId, {
      spec: { ...spec, args: result.args, images: result.images },
      gitopsCommit: result.commit,
      branch: result.branch,
      ...(result.prNumber ? { prNumber: result.prNumber } : {}),
      ...(result.prUrl ? { prUrl: result.prUrl } : {}),
      at: Date.now(),
    });
    if (result.prNumber !== undefined) await deps.prChecks?.track(repoKey(spec.target), result.prNumber, result.commit);
    await requests.requestPromotionCheck(envId, repoKey(spec.target), spec.envDir);
  };
}
