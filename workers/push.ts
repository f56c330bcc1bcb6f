import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { DispatchdConfig } from '../src/config/schema.js';
import { PermanentError } from '../src/core/errors.js';
import type { Logger } from '../src/log/logger.js';
import { planPush, type PushPlan } from '../src/plan/plan-push.js';
import type { Environments } from '../src/queue/environments.js';
import type { GitopsJob, PushJob } from '../src/queue/jobs.js';
import type { Providers } from '../src/scm/providers.js';
import type { Observer } from '../src/telemetry/observer.js';
import { jobOptions } from '../src/queue/job-options.js';
import { setStatus, statusContext } from './statuses.js';

export interface PushWorkerDeps {
  config: DispatchdConfig;
  providers: Providers;
  environments: Environments;
  gitops: Queue<GitopsJob>;
  log: Logger;
  observer?: Observer;
}

export interface PushResult {
  dispatchfile: string;
  found: boolean;
  tasks: { task: string; kind: string; description: string; envId?: string }[];
}

/**
 * The `events` processor: plan the push, report each task on the source commit, and hand GitOps
 * updates to their environment's queue. A bad Dispatchfile fails at once, with the same message
 * on the commit status.
 */
export function createPushProcessor(deps: PushWorkerDeps) {
  return async function processPush(job: Job<PushJob>): Promise<PushResult> {
    const { event, seq } = job.data;
    const log = deps.log.child({ deliveryId: event.deliveryId, repo: event.repo.fullName, sha: event.after });
    const started = Date.now();
    const report = (r: { found?: boolean; tasks?: PushResult['tasks']; error?: string }) =>
      Promise.resolve(deps.observer?.planned?.({ event, seq, jobId: job.id!, ...r, durationMs: Date.now() - started })).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'observer failed'));
    let plan: PushPlan;
    try {
      plan = await planPush(deps.config, event, seq, deps.providers.for(event.host));
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      log.warn({ code: err.code, err: err.message }, 'plan failed');
      await setStatus(deps.providers, log, event.host, event.repo.fullName, event.after, { state: 'failure', context: 'dispatchd', description: err.message });
      await report({ error: err.message });
      throw new UnrecoverableError(err.message);
    }
    // All statuses at once (they are independent), and before any GitOps job is queued: a fast
    // job's final status must never be overwritten by a late "pending".
    await Promise.all(plan.tasks.map((t) => setStatus(deps.providers, log, event.host, event.repo.fullName, event.after, { state: t.state, context: statusContext(t.task), description: t.description })));
    for (const t of plan.tasks) {
      if (!t.env) continue;
      const { jobId } = await deps.environments.offer(t.env.envId, seq, t.env.spec, { host: event.host, repo: event.repo.fullName, sha: event.after, context: statusContext(t.task), seq });
      await deps.gitops.add('update', { envId: t.env.envId }, { ...jobOptions, jobId });
    }
    log.info({ tasks: plan.tasks.map((t) => t.task), found: plan.found }, 'planned');
    const result: PushResult = {
      dispatchfile: plan.dispatchfile,
      found: plan.found,
      tasks: plan.tasks.map((t) => ({ task: t.task, kind: t.kind, description: t.description, ...(t.env ? { envId: t.env.envId } : {}) })),
    };
    await report({ found: result.found, tasks: result.tasks });
    return result;
  };
}
