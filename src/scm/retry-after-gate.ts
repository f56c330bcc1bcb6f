import { TransientError } from '../core/errors.js';
import type { ScmProvider } from './contracts.js';
import { wrapCalls } from './wrap-calls.js';

/** A Retry-After longer than this is taken as this: a gate never closes a host for longer. */
const MAX_WAIT_MS = 3_600_000;

/**
 * Once a host answered with Retry-After (a 429, a 503, an exhausted rate limit), no API call goes
 * to it from this process until that time: each fails at once with the time left, and the job
 * that made it is retried after it (src/queue/job-options.ts). Without it, reads started beside
 * other work (the tip read beside the fetch, the plan's prefetch) would let the next call go out
 * right after a refusal that asked for a wait; the SCMs penalise clients that keep calling.
 */
export function createRetryAfterGate(now: () => number = Date.now) {
  const until = new Map<string, number>();

  return {
    /** The provider with every API method (and its pull-request part's) behind the host's gate. */
    gate(host: string, p: ScmProvider, apiMethods: readonly string[], pullMethods: readonly string[]): ScmProvider {
      return wrapCalls(p, apiMethods, pullMethods, async (_name, call) => {
        const left = (until.get(host) ?? 0) - now();
        if (left > 0)
          throw new TransientError(
            'scm_rate_limited',
            `${host} asked for a wait (Retry-After): no call to it for another ${Math.ceil(left / 1000)} s`,
            left,
          );
        try {
          return await call();
        } catch (err) {
          if (err instanceof TransientError && err.retryAfterMs !== undefined && err.retryAfterMs > 0)
            until.set(host, Math.max(until.get(host) ?? 0, now() + Math.min(err.retryAfterMs, MAX_WAIT_MS)));
          throw err;
        }
      });
    },
  };
}
