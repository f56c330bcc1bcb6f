import type { Fault } from '../common/faults.js';
import type { ApiResponse } from '../common/emulator-server.js';

const LIMIT = 5000;

/**
 * GitHub's rate-limit headers on every response. The emulator never runs out by itself; a fault
 * with `rateLimitReset` makes one response look exhausted so clients' wait logic can be tested.
 */
export function createRateLimit(
  now: () => number,
): (login: string | undefined, fault: Fault | undefined) => Record<string, string> {
  const used = new Map<string, number>();
  const windowStart = Math.floor(now() / 1000);
  return (login, fault) => {
    const key = login ?? 'anonymous';
    const n = (used.get(key) ?? 0) + 1;
    used.set(key, n);
    const nowSec = Math.floor(now() / 1000);
    const exhausted = fault?.rateLimitReset === true;
    return {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(exhausted ? 0 : Math.max(0, LIMIT - n)),
      'x-ratelimit-used': String(exhausted ? LIMIT : Math.min(n, LIMIT)),
      'x-ratelimit-reset': String(exhausted ? nowSec + (fault.retryAfterSec ?? 60) : windowStart + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-media-type': 'github.v3; format=json',
    };
  };
}

/** The body and headers GitHub sends for the injected status. */
export function faultResponse(fault: Fault): ApiResponse {
  const headers: Record<string, string> =
    fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) };
  const docs = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';
  let message: string;
  if (fault.rateLimitReset === true)
    message =
      "API rate limit exceeded for installation ID 1. (But here's the good news: Authenticated requests get a higher rate limit.)";
  else if (fault.status === 429 || fault.status === 403)
    message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
  else if (fault.status >= 500) message = 'Server Error';
  else message = `Injected fault ${fault.status}`;
  return { status: fault.status, headers, body: { message, documentation_url: docs, status: String(fault.status) } };
}
