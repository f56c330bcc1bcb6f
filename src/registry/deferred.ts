import { AsyncLocalStorage } from 'node:async_hooks';
import { PermanentError, TransientError } from '../core/errors.js';

/**
 * Deferred digest waits. Inside `deferDigestWaits(fn)` a resolver does not sleep until the tag
 * appears: one look that finds nothing throws `DigestPending`, and the caller (the GitOps
 * worker) re-schedules its job as a delayed job instead of holding a worker slot for up to
 * `digestWait`. Outside, `resolve` waits in place as before (CLI, tests).
 */
const deferring = new AsyncLocalStorage<boolean>();

export function deferDigestWaits<T>(fn: () => Promise<T>): Promise<T> {
  return deferring.run(true, fn);
}

export function digestWaitsDeferred(): boolean {
  return deferring.getStore() === true;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)\]]+/gi;
/** Node's network errors name the host or address they tried: `connect ECONNREFUSED 10.0.0.5:443`. */
const NET_ERROR_TARGET =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b[:\s]+[^\s;,)]+/g;

/**
 * A probe's reason as these messages quote it: without URLs (a token service's or a redirect's)
 * or the host a network error names, which are not the pusher's text; these messages can reach a
 * public commit status (the image's registry, which the pusher wrote, stays).
 */
export function quotableReason(reason: string): string {
  return reason.replace(URL_IN_TEXT, '<url>').replace(NET_ERROR_TARGET, '$1');
}

/** One look found no manifest (or no answer): look again later, within `digestWait` of the first look. */
export class DigestPending extends TransientError {
  constructor(
    /** The reference as shown to people, e.g. "ghcr.io/acme/app:3f2c1a9". */
    readonly image: string,
    readonly registry: string,
    readonly kind: 'missing' | 'unavailable',
    readonly reason: string,
    retryAfterMs?: number,
  ) {
    super(
      'image_pending',
      `image ${image} is not on registry ${registry} yet (${quotableReason(reason)}); looking again later`,
      retryAfterMs,
    );
  }

  /** The error once the wait is spent: the same message the in-place wait gives. */
  giveUp(waitedMs: number): Error {
    return digestWaitSpent(this.kind, this.image, this.registry, waitedMs, this.reason, this.retryAfterMs);
  }
}

/** `image_not_found` (permanent) for a tag CI never pushed, `registry_unavailable` (transient) for a registry that did not answer. */
export function digestWaitSpent(
  kind: 'missing' | 'unavailable',
  shown: string,
  registry: string,
  waitMs: number,
  reason: string,
  retryAfterMs?: number,
): Error {
  const waited = waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`;
  if (kind === 'missing') {
    return new PermanentError(
      'image_not_found',
      `image ${shown} was not found on registry ${registry} after waiting ${waited}; check that CI pushed this tag to that registry, or raise digestWait if builds take longer`,
    );
  }
  return new TransientError(
    'registry_unavailable',
    `could not read image ${shown} from registry ${registry} within ${waited}: ${quotableReason(reason)}; will retry later`,
    retryAfterMs,
  );
}
