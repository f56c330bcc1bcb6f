import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { DispatchdConfig } from '../src/config/schema.js';
import { PermanentError } from '../src/core/errors.js';
import type { PushEvent } from '../src/core/push-event.js';
import type { PullRequestEvent } from '../src/core/review-events.js';
import { auditId } from '../src/audit/record.js';
import type { Logger } from '../src/log/logger.js';
import type { PushPlan } from '../src/plan/plan-push.js';
import type { Environments } from '../src/queue/environments.js';
import type { GitopsJob } from '../src/queue/jobs.js';
import type { RefPlans } from '../src/queue/ref-plans.js';
import type { Providers } from '../src/scm/providers.js';
import type { Observer, PlanReport } from '../src/telemetry/observer.js';
import { createRetryPolicy, HorizonError, jobOptions, type RetryPolicy } from '../src/queue/job-options.js';
import { pausedDescription, setStatus } from './statuses.js';
import type { StatusMemory } from '../src/queue/status-memory.js';

export interface PushWorkerDeps {
  config: DispatchdConfig;
  providers: Providers;
  environments: Environments;
  refPlans: RefPlans;
  gitops: Queue<GitopsJob>;
  log: Logger;
  observer?: Observer;
  /** When a passing fault stops being retried (config `retry`); default: 24 h horizon. */
  retry?: RetryPolicy;
  /** What was said on commit statuses before: the same thing is not posted twice. */
  statuses?: StatusMemory;
  /** Starts fetching the GitOps mirrors a plan of this ref may write to (src/gitops/prefetch.ts). */
  prefetch?: (event: PushEvent) => void;
}

export interface PushResult {
  dispatchfile: string;
  found: boolean;
  tasks: { task: string; kind: string; description: string; envId?: string }[];
  /** The commit planned (the ref's tip when the push was processed). */
  commit?: string;
  /** Why nothing was deployed (covered by a newer plan, ref deleted, commit not on the ref). */
  skipped?: string;
}

/** One planning of a commit: what is planned, under which ref's plan record, and how. */
export interface PlanUnit {
  /** The pushed ref (or a pull request's head as one): statuses, logs and the audit record name it. */
  event: PushEvent;
  /** Receipt sequence number of the delivery. */
  seq: number;
  /** Whose plan record orders this planning (covered, superseded, changed paths since). */
  key: Pick<PushEvent, 'host' | 'repo' | 'ref'>;
  /** What the messages call that record's subject: `refs/heads/x`, `pull request #3`. */
  subject: string;
  /**
   * The status context of the plan as a whole (a bad Dispatchfile, a refusal); each task's is
   * `<context>/<task>`. Pushes and pull requests have their own, so neither overwrites the other's
   * on a commit both planned.
   */
  context: string;
  /** The pull request planned, if it is one: the audit record keeps it, so a retry re-plans it as one. */
  pullRequest?: PullRequestEvent;
  plan(stamp: number, since: string | undefined): Promise<PushPlan>;
}

/** What a planning reports to the observer (the audit trail, metrics), besides whose it was. */
type Outcome = Pick<PlanReport, 'found' | 'tasks' | 'error' | 'skipped' | 'commit'>;

/**
 * Runs one planning: skipped when a newer plan of the same subject covers it, else planned,
 * each task reported on the planned commit and GitOps updates handed to their environments.
 */
export function createPlanRunner(deps: PushWorkerDeps) {
  const retry = deps.retry ?? createRetryPolicy();
  // Any failure but a permanent one is retried until the next attempt would start after the
  // horizon; then the job fails for good, saying how long it tried and what failed.
  return async function runPlan(job: Job, unit: PlanUnit): Promise<PushResult> {
    try {
      return await planOnce(job, unit);
    } catch (err) {
      const gaveUp = retry.giveUp(job, err);
      if (gaveUp === undefined) throw err;
      deps.log.warn(
        { deliveryId: unit.event.deliveryId, repo: unit.event.repo.fullName, err: gaveUp },
        'push failed for good: retry horizon reached',
      );
      throw new HorizonError(gaveUp);
    }
  };

  async function planOnce(job: Job, unit: PlanUnit): Promise<PushResult> {
    const { event, seq } = unit;
    const log = deps.log.child({ deliveryId: event.deliveryId, repo: event.repo.fullName, sha: event.after });
    const started = Date.now();
    // Reported under the plan's stamp: the environments' pending statuses carry that number.
    const report = ({ stamp, ...outcome }: Outcome & { stamp: number }) =>
      Promise.resolve(
        deps.observer?.planned?.({
          event,
          ...(unit.pullRequest ? { pullRequest: unit.pullRequest } : {}),
          ...outcome,
          seq: stamp,
          jobId: job.id!,
          durationMs: Date.now() - started,
        }),
      ).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'observer failed'));
    // Statuses link to the delivery in the dashboard (the full reason is there, behind the admin token).
    const link = {
      ...(deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {}),
      auditId: auditId(event.host, event.deliveryId),
    };
    const start = await deps.refPlans.begin(unit.key, seq);
    const recall = deps.statuses ? { memory: deps.statuses, seq: start.stamp } : undefined;
    if (start.covered) {
      // A plan stamped after this delivery arrived read the ref's tip, which includes this push.
      const skipped = `covered: a later plan of ${unit.subject} already read its tip${start.since ? ` (${start.since.slice(0, 7)})` : ''}`;
      log.debug({ skipped }, 'planned');
      await report({ stamp: start.stamp, found: false, tasks: [], skipped });
      return { dispatchfile: '', found: false, tasks: [], skipped };
    }
    if (start.supersededBy !== undefined) {
      // A newer delivery of the ref is queued: its plan reads a tip that holds this push. In a
      // burst only the newest deliveries plan, instead of every one planning and being discarded.
      const skipped = `superseded: a newer delivery of ${unit.subject} was received and plans its tip`;
      log.debug({ skipped, supersededBy: start.supersededBy }, 'planned');
      await report({ stamp: start.stamp, found: false, tasks: [], skipped });
      return { dispatchfile: '', found: false, tasks: [], skipped };
    }
    // While the plan asks the SCM for the tip and the Dispatchfile.
    deps.prefetch?.(event);
    let plan: PushPlan;
    try {
      plan = await unit.plan(start.stamp, start.since);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      log.warn({ code: err.code, err: err.message }, 'plan failed');
      await setStatus(
        deps.providers,
        log,
        event.host,
        event.repo.fullName,
        event.after,
        { state: 'failure', context: unit.context, description: err.message },
        undefined,
        link,
        recall,
      );
      await report({ stamp: start.stamp, error: err.message });
      throw new UnrecoverableError(err.message);
    }
    const commit = plan.commit ?? event.after;
    // The GitOps jobs first: the statuses are not on the way to the pull request. A final status
    // is never overwritten by a late "pending": the status memory drops a pending one once the
    // final for the same or newer work was claimed (which the GitOps worker does before posting).
    for (const t of plan.tasks) {
      if (!t.env) continue;
      const { jobId } = await deps.environments.offer(
        t.env.envId,
        start.stamp,
        { ...t.env.spec, plannedAt: started },
        {
          host: event.host,
          repo: event.repo.fullName,
          sha: commit,
          context: `${unit.context}/${t.task}`,
          seq: start.stamp,
          auditId: link.auditId,
        },
      );
      await deps.gitops.add('update', { envId: t.env.envId }, { ...jobOptions, jobId });
      // A paused environment parks its job at once: this plan's own status says so rather than
      // "updating", in whatever order the park's report and these statuses land.
      const { target, envDir } = t.env.spec;
      if (await deps.environments.pauses.get(`${target.host}:${target.fullName}`, envDir))
        t.description = pausedDescription(t.env.spec);
    }
    // All statuses at once (they are independent); then the GitOps worker may post its own for
    // this plan (it waits for this mark, so its status always comes after these).
    await Promise.all(
      plan.tasks.flatMap((t) =>
        t.state
          ? [
              setStatus(
                deps.providers,
                log,
                event.host,
                event.repo.fullName,
                commit,
                { state: t.state, context: `${unit.context}/${t.task}`, description: t.description },
                undefined,
                link,
                recall,
              ),
            ]
          : [],
      ),
    );
    await deps.statuses?.planned(start.stamp).catch(() => undefined);
    if (plan.commit) await deps.refPlans.complete(unit.key, start.stamp, plan.commit);
    log.info({ tasks: plan.tasks.map((t) => t.task), found: plan.found, commit, skipped: plan.skipped }, 'planned');
    const result: PushResult = {
      dispatchfile: plan.dispatchfile,
      found: plan.found,
      tasks: plan.tasks.map((t) => ({
        task: t.task,
        kind: t.kind,
        description: t.description,
        ...(t.env ? { envId: t.env.envId } : {}),
      })),
      ...(plan.commit ? { commit: plan.commit } : {}),
      ...(plan.skipped ? { skipped: plan.skipped } : {}),
    };
    const { dispatchfile: _, ...outcome } = result;
    await report({ stamp: start.stamp, ...outcome });
    return result;
  }
}
