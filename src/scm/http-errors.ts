import { PermanentError, TransientError, type DispatchError } from '../core/errors.js';

export interface HttpFailure {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  message: string;
}

/**
 * Maps an SCM API failure to a retry decision. Rate limits (429, or 403 with Retry-After or an
 * exhausted rate limit) and 5xx are passing; other 4xx are permanent, with a message a person can
 * act on. `now` is injectable so the reset time is computed against the caller's clock.
 */
export function classifyHttpFailure(what: string, f: HttpFailure, now = Date.now()): DispatchError {
  const h = f.headers ?? {};
  const retryAfter = h['retry-after'] !== undefined ? Number(h['retry-after']) : undefined;
  const remaining = h['x-ratelimit-remaining'] !== undefined ? Number(h['x-ratelimit-remaining']) : undefined;
  const reset = h['x-ratelimit-reset'] !== undefined ? Number(h['x-ratelimit-reset']) : undefined;
  const status = f.status;
  if (status === 429 || (status === 403 && (retryAfter !== undefined || remaining === 0))) {
    const waitMs = retryAfter !== undefined && Number.isFinite(retryAfter) ? retryAfter * 1000
      : reset !== undefined && Number.isFinite(reset) ? Math.max(0, reset * 1000 - now)
      : 60_000;
    return new TransientError('scm_rate_limited', `${what}: rate limited (HTTP ${status}); waiting ${Math.ceil(waitMs / 1000)} s as the SCM asked`, waitMs);
  }
  if (status === undefined || status >= 500 || status === 408) {
    return new TransientError('scm_unavailable', `${what}: ${status ? `HTTP ${status}` : 'no response'} (${f.message}); will retry`, retryAfter !== undefined && Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
  }
  const hint = status === 401 ? 'the host token is invalid or expired: replace it in the config'
    : status === 403 ? 'the token lacks permission: grant it repository read/write and pull-request access'
    : status === 404 ? 'not found, or the token cannot see it: check the repository name and the token\'s access'
    : 'the SCM refused the request';
  return new PermanentError(`scm_http_${status}`, `${what}: HTTP ${status} ${f.message}: ${hint}`);
}
