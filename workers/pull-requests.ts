import type { Job } from 'bullmq';
import type { DispatchdConfig } from '../src/config/schema.js';
import type { PullRequestEvent, ReviewEvent } from '../src/core/review-events.js';
import { headAsPush, planPullRequest, PLANNED_ACTIONS } from '../src/plan/plan-pull-request.js';
import type { ReviewJob } from '../src/queue/jobs.js';
import { pullRequestPlanKey } from '../src/queue/ref-plans.js';
import { createPlanRunner, type PushResult, type PushWorkerDeps } from './plan-runner.js';
import { PULL_REQUEST_STATUS_CONTEXT } from './statuses.js';

/**
 * Plans a source repository's pull request (opened, reopened, new head) like a push of its head
 * branch, through the same runner: ordered by the pull request's own plan record, so a late
 * event of an older head is covered or superseded, and the head's tip is what is planned.
 * Merged and closed pull requests plan nothing: what their actions wrote stays as it is.
 */
export function createPullRequestPlanner(deps: PushWorkerDeps) {
  const run = createPlanRunner(deps);
  /** `seq`: the receipt to order by, when not the job's (a chatops comment received late). */
  return async function planPull(
    job: Job<ReviewJob>,
    e: PullRequestEvent,
    seq = job.data.seq,
  ): Promise<PushResult | { ignored: string }> {
    if (!PLANNED_ACTIONS.includes(e.action))
      return { ignored: `pull request #${e.number} ${e.action}: pull_request actions fire on opened and updated only` };
    return run(job, {
      event: headAsPush(e),
      seq,
      key: pullRequestPlanKey(e),
      subject: `pull request #${e.number}`,
      context: PULL_REQUEST_STATUS_CONTEXT,
      pullRequest: e,
      plan: (stamp) => planPullRequest(deps.config, e, stamp, deps.providers.for(e.host)),
    });
  };
}
export type PullRequestPlanner = ReturnType<typeof createPullRequestPlanner>;

/**
 * The pull request a review job plans, if it plans one (a source repository's, opened or with a
 * new head; not a GitOps repository's): its job failing for good is a delivery that failed.
 */
export function plannedPullRequest(config: DispatchdConfig, r: ReviewEvent): PullRequestEvent | undefined {
  const repo = (c: { host: string; repo: string }) => c.host === r.host && c.repo === r.repo.fullName;
  const gitops = config.gitops.some((g) => g.repo === `${r.host}:${r.repo.fullName}`);
  return r.kind === 'pull-request' && PLANNED_ACTIONS.includes(r.action) && !gitops && config.repositories.some(repo)
    ? r
    : undefined;
}
