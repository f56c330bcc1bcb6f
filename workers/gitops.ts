import { DelayedError, type Job } from 'bullmq';
import { toMs } from '../src/config/duration.js';
import { PermanentError } from '../src/core/errors.js';
import { applyUpdate, type ApplyDeps, type ApplyResult } from '../src/gitops/apply.js';
import type { Logger } from '../src/log/logger.js';
import type { EnvUpdateSpec } from '../src/core/env-update.js';
import type { Environments, PendingStatus } from '../src/queue/environments.js';
import type { GitopsJob, MergeJob } from '../src/queue/jobs.js';
import { requestMerge } from './merges.js';
import type { Providers } from '../src/scm/providers.js';
import type { Observer } from '../src/telemetry/observer.js';
import { createRetryPolicy, type RetryPolicy } from '../src/queue/job-options.js';
import { backoffDelay } from '../src/registry/backoff.js';
import { deferDigestWaits, DigestPending } from '../src/registry/deferred.js';
import { pausedDescription, setStatus } from './statuses.js';
import { checkCiGates, CiPending } from '../src/gitops/ci-gate.js';
import { waitForCi, type CiWaitJobData } from './ci-wait.js';
import type { StatusMemory } from '../src/queue/status-memory.js';

export interface GitopsWorkerDeps {
  apply: ApplyDeps;
  environments: Environments;
  providers: Providers;
  log: Logger;
  observer?: Observer;
  /** When a passing fault stops being retried (config `retry`); default: 24 h horizon. */
  retry?: RetryPolicy;
  /** After a run wrote something: keep what it applied, ask for promotion checks (src/promotion/). */
  afterRun?: (envId: string, spec: EnvUpdateSpec, result: ApplyResult) => Promise<void>;
  /** Queues a merge-when-green job (idempotent per PR and head); without it nothing is merged. */
  queueMerge?: (job: MergeJob) => Promise<void>;
  /** What was said on commit statuses before: the same thing is not posted twice. */
  statuses?: StatusMemory;
}

type RunResult = { seq: number; sha: string; result?: ApplyResult; error?: string };

/** A wait for an image, kept in the job's data across its delayed re-runs: which spec, since when, how many looks. */
type DigestWait = { seq: number; since: number; looks: number };
type GitopsJobData = GitopsJob & { digestWait?: DigestWait };

// A delayed re-run costs a job round-trip; looks start a second apart, then back off to 10 s.
const FIRST_LOOK_DELAY_MS = 1000;

/**
 * The `gitops` processor. A job names an environment, not a push: it applies whatever is newest
 * for that environment, and loops while newer pushes arrived during the run, so a burst
 * collapses into one follow-up with no added delay and an older push never overwrites a newer.
 */
export function createGitopsProcessor(deps: GitopsWorkerDeps) {
  const retry = deps.retry ?? createRetryPolicy();
  const digestWaitMs = toMs(deps.apply.config.digestWait);
  const ciWaitMs = toMs(deps.apply.config.ciWait);
  return async function processGitops(job: Job<GitopsJob>, token?: string): Promise<RunResult[]> {
    const { envId } = job.data;
    const runs: RunResult[] = [];
    for (;;) {
      const latest = await deps.environments.latest<EnvUpdateSpec>(envId);
      if (!latest) {
        await deps.environments.release(envId, Number.MAX_SAFE_INTEGER, job.id!);
        return runs;
      }
      const { seq, spec } = latest;
      const log = deps.log.child({ envId, seq, repo: spec.target.fullName, env: spec.envDir, source: spec.source.sha });
      if (
        await deps.environments.pauses.hold(`${spec.target.host}:${spec.target.fullName}`, spec.envDir, envId, job.id!)
      ) {
        // Re-read: a push offered just before the hold reused this job's id and is ours to report.
        const now = await deps.environments.latest<EnvUpdateSpec>(envId);
        await reportPaused(deps, envId, now?.spec ?? spec, now?.seq ?? seq);
        log.info('gitops update held: environment paused');
        return runs;
      }
      const run: RunResult = { seq, sha: spec.source.sha };
      const started = Date.now();
      try {
        // A missing image does not hold this worker slot: the job comes back as a delayed job.
        run.result = await deferDigestWaits(async () => {
          // Tasks left to the team's CI gate the update: nothing is rendered before they pass.
          await checkCiGates(deps.providers.for(spec.source.host), spec);
          return applyUpdate(deps.apply, envId, spec);
        });
        log.info(
          { outcome: run.result.outcome, pr: 'prUrl' in run.result ? run.result.prUrl : undefined },
          'gitops update',
        );
        await requestMerge(deps.queueMerge, deps.apply.config, spec, run.result);
      } catch (caught) {
        const err =
          caught instanceof DigestPending
            ? await waitForImage(job as Job<GitopsJobData>, token, seq, caught, digestWaitMs, log)
            : caught instanceof CiPending
              ? await waitForCi(job as Job<CiWaitJobData>, token, seq, caught, ciWaitMs, log)
              : caught;
        // Final: a permanent error, or a passing one whose next attempt would start after the
        // retry horizon (then the message says how long it tried).
        const gaveUp = err instanceof PermanentError ? undefined : retry.giveUp(job, err);
        const final = err instanceof PermanentError || gaveUp !== undefined;
        log.warn({ err: (err as Error).message, final }, 'gitops update failed');
        if (!final) throw err;
        run.error = gaveUp ?? (err as Error).message;
      }
      runs.push(run);
      await deps.environments.recordRun(envId, {
        seq,
        sha: spec.source.sha,
        outcome: run.result?.outcome ?? 'failed',
        at: Date.now(),
        ...(run.result && 'prUrl' in run.result && run.result.prUrl ? { prUrl: run.result.prUrl } : {}),
        ...(run.error ? { error: run.error } : {}),
      });
      // Throws on a Redis fault: the job is retried, and applying again pushes nothing new.
      if (run.result) await deps.afterRun?.(envId, spec, run.result);
      const settled = await settleStatuses(deps, envId, spec, run);
      await Promise.resolve(
        deps.observer?.gitopsRun?.({
          envId,
          spec,
          seq,
          ...(run.result ? { result: run.result } : {}),
          ...(run.error ? { error: run.error } : {}),
          settled,
          durationMs: Date.now() - started,
        }),
      ).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'observer failed'));
      if (await deps.environments.release(envId, seq, job.id!)) return runs;
    }
  };
}

async function settleStatuses(
  deps: GitopsWorkerDeps,
  envId: string,
  spec: EnvUpdateSpec,
  run: RunResult,
): Promise<PendingStatus[]> {
  const r = run.result;
  const prUrl = r && 'prUrl' in r ? r.prUrl : undefined;
  const settled = await deps.environments.settle(envId, run.seq);
  // After the plans' own statuses (they are posted once the job is queued, beside this run).
  await deps.statuses?.waitPlanned(settled.map((p) => p.seq)).catch(() => undefined);
  // Several deliveries may have planned the same tip: one status per commit and context says it.
  const newestPer = new Map<string, PendingStatus>();
  for (const p of settled) {
    const key = `${p.host}\n${p.repo}\n${p.sha}\n${p.context}`;
    if ((newestPer.get(key)?.seq ?? -1) < p.seq) newestPer.set(key, p);
  }
  for (const p of newestPer.values()) {
    const newest = p.seq === run.seq || p.sha === spec.source.sha;
    const status = run.error
      ? {
          state: 'failure' as const,
          description: newest
            ? run.error
            : `not applied: a newer push (${spec.source.sha.slice(0, 7)}) failed: ${run.error}`,
        }
      : !newest
        ? { state: 'success' as const, description: `superseded by newer push ${spec.source.sha.slice(0, 7)}` }
        : r?.outcome === 'up-to-date'
          ? {
              state: 'success' as const,
              description: `up to date: ${spec.envDir || '/'} of ${spec.target.fullName} already matches`,
            }
          : r?.outcome === 'superseded'
            ? {
                state: 'success' as const,
                description: `superseded: ${spec.envDir || '/'} of ${spec.target.fullName} already carries a newer commit (${r.carried.slice(0, 7)})`,
              }
            : {
                state: 'success' as const,
                description: prUrl
                  ? `pull request ${r && 'prOpened' in r && r.prOpened ? 'opened' : 'updated'}: ${spec.envDir || '/'} of ${spec.target.fullName}`
                  : `pushed ${r?.branch ?? ''} of ${spec.target.fullName}`,
              };
    await setStatus(
      deps.providers,
      deps.log,
      p.host,
      p.repo,
      p.sha,
      { ...status, context: p.context, ...(prUrl ? { targetUrl: prUrl } : {}) },
      undefined,
      linkOf(deps, p),
      recallOf(deps, p),
    );
  }
  return settled;
}

const linkOf = (deps: GitopsWorkerDeps, p: PendingStatus) => ({
  ...(deps.apply.config.publicUrl ? { publicUrl: deps.apply.config.publicUrl } : {}),
  ...(p.auditId ? { auditId: p.auditId } : {}),
});

const recallOf = (deps: GitopsWorkerDeps, p: PendingStatus) =>
  deps.statuses ? { memory: deps.statuses, seq: p.seq } : undefined;

/** Each commit that arrived during a pause is told once that it waits for the operator. */
async function reportPaused(deps: GitopsWorkerDeps, envId: string, spec: EnvUpdateSpec, seq: number): Promise<void> {
  const fresh = await deps.environments.notePaused(envId, seq);
  await deps.statuses?.waitPlanned(fresh.map((p) => p.seq)).catch(() => undefined);
  for (const p of fresh) {
    await setStatus(
      deps.providers,
      deps.log,
      p.host,
      p.repo,
      p.sha,
      {
        state: 'pending',
        context: p.context,
        description: pausedDescription(spec),
      },
      undefined,
      linkOf(deps, p),
      recallOf(deps, p),
    );
  }
  await deps.environments.recordRun(envId, { seq, sha: spec.source.sha, outcome: 'paused', at: Date.now() });
}

/**
 * The image is not in the registry yet: unless `digestWait` has passed since the first look for
 * this spec, the job re-schedules itself as a delayed job (same id, so the environment's pushes
 * still coalesce into it) and gives its worker slot back. Returns the error to fail with once the
 * wait is spent; otherwise throws DelayedError.
 */
async function waitForImage(
  job: Job<GitopsJobData>,
  token: string | undefined,
  seq: number,
  pending: DigestPending,
  waitMs: number,
  log: Logger,
): Promise<Error> {
  const now = Date.now();
  const prior = job.data.digestWait;
  // A newer push in the environment starts its own wait.
  const wait: DigestWait = prior?.seq === seq ? prior : { seq, since: now, looks: 0 };
  const remaining = wait.since + waitMs - now;
  if (remaining <= 0) return pending.giveUp(waitMs);
  const looks = wait.looks + 1;
  // The last look lands on the deadline, so a push just before it is still seen.
  const delayMs = Math.min(
    remaining,
    Math.max(FIRST_LOOK_DELAY_MS, backoffDelay(looks + 2), pending.retryAfterMs ?? 0),
  );
  await job.updateData({ ...job.data, digestWait: { seq, since: wait.since, looks } });
  await job.moveToDelayed(now + delayMs, token);
  log.info(
    { image: pending.image, registry: pending.registry, reason: pending.reason, delayMs, waitedMs: now - wait.since },
    'waiting for image: gitops job delayed',
  );
  throw new DelayedError();
}
