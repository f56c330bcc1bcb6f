import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { toMs } from '../config/duration.js';
import { PermanentError, TransientError } from '../core/errors.js';
import { SECONDARY_RATE_LIMIT, SECONDARY_RATE_LIMIT_WAIT_MS } from '../scm/http-errors.js';

/**
 * How passing faults are retried (config `retry`): capped, jittered exponential backoff from
 * `firstDelayMs` up to `maxDelayMs`, honouring Retry-After, until `horizonMs` after the job was
 * first queued (for a push, its receipt).
 */
export interface RetrySettings {
  horizonMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { horizonMs: 24 * 3_600_000, firstDelayMs: 1000, maxDelayMs: 10 * 60_000 };

/** The `retry` block of the config (durations) as milliseconds. */
export function retrySettings(retry?: {
  horizon: string | number;
  firstDelay: string | number;
  maxDelay: string | number;
}): RetrySettings {
  if (!retry) return DEFAULT_RETRY;
  const firstDelayMs = Math.max(1, toMs(retry.firstDelay));
  return { horizonMs: toMs(retry.horizon), firstDelayMs, maxDelayMs: Math.max(firstDelayMs, toMs(retry.maxDelay)) };
}

/** The job fields a retry decision reads: when it was queued, how often it failed, its id. */
export type RetryJob = { id?: string | undefined; timestamp: number; attemptsMade: number };

/** A job that failed for good because its next attempt would start after the horizon. */
export class HorizonError extends UnrecoverableError {}

// After Retry-After, a little more: the SCM's clock and ours are not the same clock.
const RETRY_AFTER_MARGIN_MS = 250;
// The backoff strategy runs just after the processor decided "not final"; time has moved on a
// little meanwhile. Within this slack the strategy keeps the processor's decision.
const DECISION_SLACK_MS = 1000;

const span = (ms: number) =>
  ms < 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms < 120_000
      ? `${Math.round(ms / 1000)} s`
      : ms < 3 * 3_600_000
        ? `${Math.round(ms / 60_000)} min`
        : `${(ms / 3_600_000).toFixed(1)} h`;

/**
 * One retry policy for both queues. The jitter is a hash of (job id, attempt), so the processor
 * deciding "final" and BullMQ's backoff strategy computing the delay agree on the same number,
 * while jobs held by one outage still come back spread out.
 */
export function createRetryPolicy(s: RetrySettings = DEFAULT_RETRY, now: () => number = Date.now) {
  /** The wait after the `attempt`-th (1-based) attempt failed with `err`. */
  function delay(job: Pick<RetryJob, 'id'>, attempt: number, err?: unknown): number {
    const base = Math.min(s.maxDelayMs, s.firstDelayMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
    const h = createHash('sha256')
      .update(`${job.id ?? ''}#${attempt}`)
      .digest();
    const r = h.readUInt32BE(0) / 0x1_0000_0000;
    // "Equal jitter": between half the step and the step.
    let ms = Math.round(base / 2 + (base / 2) * r);
    if (err instanceof TransientError) {
      if (err.retryAfterMs !== undefined) ms = Math.max(ms, err.retryAfterMs + RETRY_AFTER_MARGIN_MS);
      else if (err.code === SECONDARY_RATE_LIMIT)
        ms = Math.max(ms, Math.min(SECONDARY_RATE_LIMIT_WAIT_MS, s.maxDelayMs));
    }
    return ms;
  }

  /** When the job stops being retried: its first queueing plus the horizon. */
  const deadline = (job: RetryJob) => job.timestamp + s.horizonMs;

  /**
   * For a job whose current attempt just failed with `err`: undefined when it will be retried,
   * else the message it fails with (how long it tried, how often, and what failed). A permanent
   * error is not this policy's to describe: the processors report it as it is.
   */
  function giveUp(job: RetryJob, err: unknown): string | undefined {
    if (err instanceof PermanentError || err instanceof UnrecoverableError) return undefined;
    const attempt = job.attemptsMade + 1;
    const t = now();
    if (t + delay(job, attempt, err) <= deadline(job)) return undefined;
    return horizonMessage(job, err, t);
  }

  function horizonMessage(job: RetryJob, err: unknown, t = now()): string {
    const attempts = job.attemptsMade + 1;
    const what = (err instanceof Error ? err.message : String(err)).replace(
      /;\s*(will retry( later)?|waiting at least a minute, then backing off)\s*$/,
      '',
    );
    return (
      `gave up after ${span(t - job.timestamp)} and ${attempts} attempt${attempts === 1 ? '' : 's'} (retry.horizon ` +
      `${span(s.horizonMs)}); last error: ${what}. Retry it with POST /api/deliveries/<id>/retry once the cause is fixed`
    );
  }

  /**
   * BullMQ's custom backoff (worker `settings.backoffStrategy`): `attemptsMade` counts the attempt
   * that just failed. -1 fails the job: a permanent error, or a next attempt past the horizon.
   */
  function backoffStrategy(attemptsMade: number, _type?: string, err?: Error, job?: RetryJob): number {
    if (err instanceof PermanentError) return -1;
    const ms = delay(job ?? {}, attemptsMade, err);
    if (job && now() + ms > deadline(job) + DECISION_SLACK_MS) return -1;
    return ms;
  }

  return { settings: s, delay, deadline, giveUp, horizonMessage, backoffStrategy };
}
export type RetryPolicy = ReturnType<typeof createRetryPolicy>;

/**
 * Attempts are not a count any more: a job is retried until its next attempt would start after
 * the horizon (createRetryPolicy). The number only has to be out of reach.
 */
export const JOB_ATTEMPTS = 1_000_000;
export const jobOptions = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: 'dispatchd' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
