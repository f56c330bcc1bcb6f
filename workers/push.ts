import type { Job } from 'bullmq';
import type { PushJob } from '../src/queue/jobs.js';
import { planPush } from '../src/plan/plan-push.js';
import { createPlanRunner, type PushResult, type PushWorkerDeps } from './plan-runner.js';
import { PUSH_STATUS_CONTEXT } from './statuses.js';

/**
 * The `events` processor: plan the ref's current tip, report each task on that commit, and hand
 * GitOps updates to their environment's queue. A bad Dispatchfile fails at once, with the same
 * message on the commit status.
 */
export function createPushProcessor(deps: PushWorkerDeps) {
  const run = createPlanRunner(deps);
  return (job: Job<PushJob>): Promise<PushResult> => {
    const { event, seq } = job.data;
    return run(job, {
      event,
      seq,
      key: event,
      subject: event.ref,
      context: PUSH_STATUS_CONTEXT,
      plan: (stamp, since) =>
        planPush(deps.config, event, stamp, deps.providers.for(event.host), since ? { since } : {}),
    });
  };
}
