/**
 * The few named errors of dispatchd. Each carries a stable `code`; messages say what was wrong
 * and what to do next. At the HTTP edge `status` is the response code.
 */
/**
 * The codes that code branches on (every other code is for people, metrics and the audit trail).
 * A union, so a caller comparing against a code nobody throws does not compile.
 */
export type BranchedCode =
  | 'git_push_rejected'
  | 'git_push_refused'
  | 'git_failed'
  | 'scm_pr_exists'
  | 'scm_rate_limited'
  | 'scm_http_401'
  | 'github_app_rejected'
  | 'redis_missing';

/** `err` is a DispatchError with this code. */
export function hasCode(err: unknown, code: BranchedCode): err is DispatchError {
  return err instanceof DispatchError && err.code === code;
}

export class DispatchError extends Error {
  constructor(
    readonly code: BranchedCode | (string & {}),
    message: string,
    readonly status = 500,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A webhook request we refuse: bad signature (401), malformed (400), too large (413). */
export class WebhookError extends DispatchError {
  constructor(status: 400 | 401 | 413 | 415, code: string, message: string) {
    super(code, message, status);
  }
}

/** The configuration file is invalid; `problems` lists every one at once. */
export class ConfigError extends DispatchError {
  constructor(readonly problems: string[]) {
    super('config_invalid', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A fault that retrying cannot fix (bad Dispatchfile, missing template value, 401/404). */
export class PermanentError extends DispatchError {
  constructor(code: string, message: string) {
    super(code, message, 422);
  }
}

/** A passing fault (5xx, network, rate limit); `retryAfterMs` when the server said how long. */
export class TransientError extends DispatchError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(code, message, 503);
  }
}
