import type { Job } from 'bullmq';
import type { PullRequestEvent } from '../src/core/review-events.js';
import { headAsPush, planPullRequest, PLANNED_ACTIONS } from '../src/plan/plan-pull-request.js';
import type { ReviewJob } from '../src/queue/jobs.js';
import { pullRequestPlanKey } from '../src/queue/ref-plans.js';
import { createPlanRunner, type PushResult, type PushWorkerDeps } from './push.js';

/**
 * Plans a source repository's pull request (opened, reopened, new head) like a push of its head
 * branch, through the same runner: ordered by the pull request's own plan record, so a late
 * event of an older head is covered or superseded, and the head's tip is what is planned.
 * Merged and closed pull requests plan nothing: what their actions wrote stays as it is.
 */
export function createPullRequestPlanner(deps: PushWorkerDeps) {
  const run = createPlanRunner(deps);
  return async function planPull(job: Job<ReviewJob>, e: PullRequestEvent): Promise<PushResult | { ignored: string }> {
    if (!PLANNED_ACTIONS.includes(e.action))
      return { ignored: `pull request #${e.number} ${e.action}: pull_request actions fire on opened and updated only` };
    return run(job, {
      event: headAsPush(e),
      seq: job.data.seq,
      key: pullRequestPlanKey(e),
      subject: `pull request #${e.number}`,
      plan: (stamp) => planPullRequest(deps.config, e, stamp, deps.providers.for(e.host)),
    });
  };
}
export type PullRequestPlanner = ReturnType<typeof createPullRequestPlanner>;
