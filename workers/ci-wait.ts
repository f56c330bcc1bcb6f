import { DelayedError, type Job } from 'bullmq';
import type { CiPending } from '../src/gitops/ci-gate.js';
import type { Logger } from '../src/log/logger.js';
import type { GitopsJob } from '../src/queue/jobs.js';

/** A wait for the team's CI, kept in the job's data across its delayed re-runs. */
type CiWait = { seq: number; since: number; looks: number };
export type CiWaitJobData = GitopsJob & { ciWait?: CiWait };

// Looks start 2 s apart and back off to a minute: CI takes minutes, and a job delayed holds no worker.
const FIRST_LOOK_MS = 2000;
const MAX_LOOK_MS = 60_000;

/**
 * The CI has not reported success yet: unless `ciWait` has passed since the first look for this
 * spec, the job re-schedules itself as a delayed job (same id, so newer pushes still coalesce
 * into it) and throws DelayedError. Returns the error to fail with once the wait is spent.
 */
export async function waitForCi(
  job: Job<CiWaitJobData>,
  token: string | undefined,
  seq: number,
  pending: CiPending,
  waitMs: number,
  log: Logger,
): Promise<Error> {
  const now = Date.now();
  const prior = job.data.ciWait;
  // A newer push in the environment starts its own wait.
  const wait: CiWait = prior?.seq === seq ? prior : { seq, since: now, looks: 0 };
  const remaining = wait.since + waitMs - now;
  if (remaining <= 0) return pending.giveUp(now - wait.since);
  const looks = wait.looks + 1;
  // The last look lands on the deadline, so a status just before it is still seen.
  const delayMs = Math.min(remaining, FIRST_LOOK_MS * 2 ** Math.min(looks - 1, 5), MAX_LOOK_MS);
  await job.updateData({ ...job.data, ciWait: { seq, since: wait.since, looks } });
  await job.moveToDelayed(now + delayMs, token);
  log.info({ waiting: pending.waiting, delayMs, waitedMs: now - wait.since }, 'waiting for CI: gitops job delayed');
  throw new DelayedError();
}
