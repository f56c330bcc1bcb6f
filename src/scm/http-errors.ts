import { publicText } from '../core/public-text.js';
import { PermanentError, TransientError, type DispatchError } from '../core/errors.js';

export interface HttpFailure {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  message: string;
}

/**
 * The code of a rate limit that names no wait: GitHub's secondary rate limit (403 or 429 whose
 * message mentions "secondary rate limit" or "abuse detection", with no Retry-After and budget
 * left), or a bare 429. GitHub asks for at least a minute; the job backoff applies that floor
 * (src/queue/job-options.ts), so `retryAfterMs` stays unset: it is not the SCM's word.
 */
export const SECONDARY_RATE_LIMIT = 'scm_secondary_rate_limited';
/** GitHub's documented minimum wait after a secondary rate limit without Retry-After. */
export const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

/** How much of the SCM's own message a refusal quotes. */
export const MAX_SCM_MESSAGE = 80;

/**
 * The SCM's message as a refusal quotes it: its first line, without URLs (API endpoints of a
 * configured host), git remotes, addresses or the host a network error names, at most
 * MAX_SCM_MESSAGE characters. These errors can reach a public commit status (the same idea as
 * `publicDescription` in workers/statuses.ts); the status code says the rest.
 */
export function quotedScmMessage(message: string): string {
  return publicText(message.split(/\r?\n/).find((l) => l.trim() !== '') ?? '', MAX_SCM_MESSAGE, '');
}

const SECONDARY_MESSAGE = /secondary rate limit|abuse detection|abuse[- ]rate[- ]limit/i;

/**
 * Maps an SCM API failure to a retry decision. Passing: 5xx, 408, no answer (connection refused,
 * timeout), 429, and a 403 that is a rate limit (Retry-After, an exhausted primary limit with
 * `x-ratelimit-remaining: 0`, or GitHub's secondary limit by its message). Other 4xx are
 * permanent, with a message a person can act on. `now` is injectable so the reset time is
 * computed against the caller's clock.
 */
export function classifyHttpFailure(what: string, f: HttpFailure, now = Date.now()): DispatchError {
  const h = f.headers ?? {};
  const num = (v: string | number | undefined) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  const retryAfter = num(h['retry-after']);
  const remaining = num(h['x-ratelimit-remaining']);
  const reset = num(h['x-ratelimit-reset']);
  const status = f.status;
  const said = quotedScmMessage(f.message);
  const secondary = (status === 403 || status === 429) && SECONDARY_MESSAGE.test(f.message);
  if (status === 429 || (status === 403 && (retryAfter !== undefined || remaining === 0 || secondary))) {
    const waitMs =
      retryAfter !== undefined
        ? retryAfter * 1000
        : remaining === 0 && reset !== undefined
          ? Math.max(0, reset * 1000 - now)
          : undefined;
    if (waitMs === undefined) {
      return new TransientError(
        SECONDARY_RATE_LIMIT,
        `${what}: ${secondary ? 'secondary rate limit' : 'rate limited'} (HTTP ${status}) without Retry-After; waiting at least a minute, then backing off`,
      );
    }
    return new TransientError(
      'scm_rate_limited',
      `${what}: rate limited (HTTP ${status}); waiting ${Math.ceil(waitMs / 1000)} s as the SCM asked`,
      waitMs,
    );
  }
  if (status === undefined || status >= 500 || status === 408) {
    return new TransientError(
      'scm_unavailable',
      `${what}: ${status ? `HTTP ${status}` : 'no response'}${said ? ` (${said})` : ''}; will retry`,
      retryAfter !== undefined ? retryAfter * 1000 : undefined,
    );
  }
  // Decided on the SCM's whole message, before it is shortened for public statuses: GitHub (422)
  // and GitLab (409) say "already exists" when a racing worker opened the pull request first.
  if ((status === 422 || status === 409) && /already exists/i.test(f.message)) {
    return new PermanentError('scm_pr_exists', `${what}: HTTP ${status}: a pull request already exists`);
  }
  const hint =
    status === 401
      ? 'the host token is invalid or expired: replace it in the config'
      : status === 403
        ? 'the token lacks permission: grant it repository read/write and pull-request access'
        : status === 404
          ? "not found, or the token cannot see it: check the repository name and the token's access"
          : 'the SCM refused the request';
  return new PermanentError(`scm_http_${status}`, `${what}: HTTP ${status}${said ? ` ${said}` : ''}: ${hint}`);
}
