import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { toMs } from '../src/config/duration.js';
import { backoff, pollFor, type PollSettings } from '../src/config/poll.js';
import type { DispatchdConfig } from '../src/config/schema.js';
import { PermanentError } from '../src/core/errors.js';
import { repoKey } from '../src/core/repo-id.js';
import type { ApplyResult } from '../src/gitops/apply.js';
import { mergeSettingsFor } from '../src/gitops/grants.js';
import { mergeStep, type MergeStep, type MergeStepDeps } from '../src/gitops/merge-when-green.js';
import type { Logger } from '../src/log/logger.js';
import type { EnvUpdateSpec } from '../src/core/env-update.js';
import type { MergeJob } from '../src/queue/jobs.js';
import { QUEUE_PREFIX } from '../src/queue/names.js';

export interface MergeWorkerDeps extends MergeStepDeps {
  log: Logger;
  /** Where a status webhook marks a merge job that was looking when it arrived (`rewakeKey`). */
  redis: Pick<Redis, 'getdel'>;
}

/** Set by a status webhook for a merge job that is looking right now: it looks once more before waiting. */
export const rewakeKey = (jobId: string) => `${QUEUE_PREFIX}:merge-rewake:${jobId}`;

// Looks start a second apart and back off to a minute: status webhooks (where the SCM sends
// them) promote the job sooner, so the poll only matters where none come (Bitbucket Server).
// A GitOps repository's `poll` setting replaces these.
const MERGE_POLL: PollSettings = { firstMs: 1000, maxMs: 60_000 };

export const lookDelay = (looks: number, poll: PollSettings = MERGE_POLL): number => backoff(poll, looks);

/**
 * `merge` jobs on the gitops queue: one look per run; while checks are pending the job delays
 * itself (no worker sleeps). A refusal from the SCM (branch protection, conflicts, a disabled
 * merge method) is said on the pull request once and ends the job; passing faults are retried.
 */
export function createMergeProcessor(deps: MergeWorkerDeps) {
  return async function processMerge(
    job: Job<MergeJob>,
    token?: string,
  ): Promise<MergeStep | { outcome: 'refused'; error: string }> {
    const log = deps.log.child({ repo: job.data.repo, pr: job.data.number, head: job.data.headSha.slice(0, 7) });
    let step: MergeStep;
    try {
      step = await mergeStep(deps, job.data);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      log.warn({ err: err.message }, 'merge when green: the SCM refused the merge');
      // A merge job exists only where pull requests do.
      await deps.providers
        .for(job.data.host)
        .pulls?.comment(
          job.data.repo,
          job.data.number,
          `dispatchd: could not merge ${job.data.headSha.slice(0, 7)}: ${err.message}`,
        )
        .catch((e: unknown) => log.warn({ err: (e as Error).message }, 'could not comment on the pull request'));
      return { outcome: 'refused', error: err.message };
    }
    if (step.outcome !== 'wait') {
      log.info({ outcome: step.outcome }, 'merge when green');
      return step;
    }
    // A status that arrived during this look may not be in what it read: look again at once.
    const rewake = await deps.redis.getdel(rewakeKey(job.id!));
    const delayMs = rewake
      ? 100
      : Math.min(
          lookDelay(job.data.looks, job.data.poll),
          Math.max(0, job.data.since + job.data.timeoutMs - deps.now()),
        );
    const before = job.data.autoMerge;
    await job.updateData({
      ...job.data,
      looks: job.data.looks + 1,
      ...(step.autoMerge ? { autoMerge: step.autoMerge } : {}),
    });
    await job.moveToDelayed(deps.now() + delayMs, token);
    if (step.autoMerge === 'on') log.info('merge when green: handed to the SCM’s auto-merge, watching');
    if (step.autoMerge === 'off')
      log.info({ refusal: step.refusal }, 'merge when green: the SCM refused auto-merge; dispatchd merges');
    if (step.uncovered && before !== 'withheld')
      log.info({ uncovered: step.uncovered }, 'merge when green: the SCM would not wait for these; dispatchd merges');
    log.info({ waiting: step.waiting, delayMs }, 'merge when green: checks pending, looking again later');
    throw new DelayedError();
  };
}

/** -merge-pull-request: a merge job for the PR's head commit, merged once its checks pass. */
export async function requestMerge(
  queueMerge: ((job: MergeJob) => Promise<void>) | undefined,
  config: DispatchdConfig,
  spec: EnvUpdateSpec,
  r: ApplyResult,
): Promise<void> {
  if (r.outcome !== 'updated' || !r.mergeRequested || r.prNumber === undefined || !queueMerge) return;
  const settings = mergeSettingsFor(config, spec.target);
  await queueMerge({
    host: spec.target.host,
    repo: spec.target.fullName,
    number: r.prNumber,
    headSha: r.commit,
    method: settings.method,
    requiredChecks: settings.requiredChecks,
    timeoutMs: toMs(settings.timeout),
    since: Date.now(),
    looks: 0,
    native: settings.native,
    poll: pollFor(config, repoKey(spec.target), MERGE_POLL),
  });
}
