import type { ApiResponse } from '../common/emulator-server.js';
import type { Fault } from '../common/faults.js';

const LIMIT = 2000;

/**
 * GitLab's `RateLimit-*` headers (gitlab.com sends them on authenticated API calls). The emulator
 * never runs out by itself; a fault with `rateLimitReset` makes one response look exhausted.
 */
export function createRateLimit(now: () => number): (fault: Fault | undefined) => Record<string, string> {
  let observed = 0;
  const windowStart = Math.floor(now() / 1000);
  return (fault) => {
    observed += 1;
    const nowSec = Math.floor(now() / 1000);
    const exhausted = fault?.rateLimitReset === true;
    const reset = exhausted ? nowSec + (fault.retryAfterSec ?? 60) : windowStart + 60;
    return {
      'ratelimit-name': 'throttle_authenticated_api',
      'ratelimit-limit': String(LIMIT),
      'ratelimit-observed': String(exhausted ? LIMIT : Math.min(observed, LIMIT)),
      'ratelimit-remaining': String(exhausted ? 0 : Math.max(0, LIMIT - observed)),
      'ratelimit-reset': String(reset),
      'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
    };
  };
}

/**
 * What GitLab answers for an injected fault: Rack::Attack's plain-text "Retry later" for 429,
 * nginx's HTML page for 502, GitLab's JSON `message` for everything else.
 */
export function faultResponse(fault: Fault): ApiResponse {
  const headers: Record<string, string> =
    fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) };
  if (fault.status === 429)
    return { status: 429, raw: 'Retry later\n', headers: { ...headers, 'content-type': 'text/plain' } };
  if (fault.status === 502) {
    return {
      status: 502,
      raw: '<html><body><h1>502 Bad Gateway</h1>GitLab is not responding.</body></html>\n',
      headers: { ...headers, 'content-type': 'text/html' },
    };
  }
  const reason: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return {
    status: fault.status,
    headers,
    body: { message: `${fault.status} ${reason[fault.status] ?? 'Injected fault'}` },
  };
}
