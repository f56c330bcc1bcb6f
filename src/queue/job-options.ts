import { TransientError } from '../core/errors.js';

/** Retries honour the SCM's Retry-After; otherwise exponential from 1 s, capped at 5 min. */
export function backoffDelay(attemptsMade: number, _type?: string, err?: Error): number {
  if (err instanceof TransientError && err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs + 250, 60 * 60_000);
  return Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), 5 * 60_000);
}

export const JOB_ATTEMPTS = 8;
export const jobOptions = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: 'dispatchd' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
