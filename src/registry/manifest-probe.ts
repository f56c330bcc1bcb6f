import { createHash } from 'node:crypto';
import { PermanentError, TransientError } from '../core/errors.js';
import type { Authorizer } from './authorizer.js';
import { parseChallenges } from './challenge.js';
import { hasSecret, type RegistryCredentials } from './credentials.js';
import { credentialsNeeded, credentialsRejected } from './auth-messages.js';
import { retryAfterMs } from './backoff.js';
import { cancelled, describeNetworkError, send } from './http.js';

/** Index and manifest types, newest first, so a multi-arch tag answers with its index digest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export type Probe =
  | { kind: 'found'; digest: string }
  | { kind: 'missing'; reason: string }
  | { kind: 'unavailable'; reason: string; retryAfterMs?: number };

export interface ProbeContext {
  /** Display name, for messages. */
  registry: string;
  repository: string;
  /** Full manifest URL. */
  url: string;
  entry: RegistryCredentials | undefined;
  authorizer: Authorizer;
  fetch: typeof fetch;
  now: () => number;
  /** Refuses addresses the registry's entry does not allow, before each hop. */
  guard?: (url: URL) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * One look at a manifest: HEAD for `Docker-Content-Digest`, GET and hash the body when the
 * registry leaves that header out. Missing and unavailable are answers the caller waits on;
 * auth faults throw PermanentError at once, since waiting will not fix them.
 */
export async function probeManifest(ctx: ProbeContext): Promise<Probe> {
  try {
    const head = await authorized(ctx, 'HEAD');
    if (head.status === 200) {
      const digest = head.headers.get('docker-content-digest')?.trim();
      if (digest !== undefined && SHA256_DIGEST.test(digest)) return { kind: 'found', digest };
    }
    if (head.status !== 200 && head.status !== 405) return classify(ctx, head);
    // No usable digest header (or no HEAD support): the digest is the sha256 of the exact bytes.
    const get = await authorized(ctx, 'GET');
    if (get.status !== 200) return classify(ctx, get);
    const body = Buffer.from(await get.arrayBuffer());
    return { kind: 'found', digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
  } catch (error) {
    if (cancelled(ctx.signal)) throw error;
    if (error instanceof TransientError) {
      return {
        kind: 'unavailable',
        reason: error.message,
        ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
      };
    }
    if (error instanceof PermanentError) throw error;
    return { kind: 'unavailable', reason: `registry ${ctx.registry} is unreachable (${describeNetworkError(error)})` };
  }
}

/** Sends one request, answering at most one 401 challenge; a second 401 means the credentials are wrong. */
async function authorized(ctx: ProbeContext, method: 'GET' | 'HEAD'): Promise<Response> {
  let authorization = ctx.authorizer.cached(ctx.registry, ctx.repository);
  for (let round = 0; ; round++) {
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (authorization !== undefined) headers.authorization = authorization;
    const { response, url } = await send(ctx.fetch, ctx.url, {
      method,
      headers,
      ...(ctx.guard && { guard: ctx.guard }),
      ...(ctx.signal && { signal: ctx.signal }),
    });
    if (response.status !== 401) return response;
    await response.body?.cancel();
    // Answering a redirect target's challenge would hand this registry's credentials to it.
    if (url.origin !== new URL(ctx.url).origin) {
      throw new PermanentError(
        'registry_auth_redirected',
        `registry ${ctx.registry} redirected ${ctx.url} to ${url.origin}, which asked for credentials; ` +
          `dispatchd sends credentials only to the registry itself, so check the registry's storage redirect setup`,
      );
    }
    // A cached token may have been revoked or expired early: one fresh answer before giving up.
    if (round >= 1) throw authFailure(ctx);
    // A request sent bare may have raced another job that has meanwhile fetched a token.
    const shared = authorization === undefined ? ctx.authorizer.cached(ctx.registry, ctx.repository) : undefined;
    if (authorization !== undefined) ctx.authorizer.forget(ctx.registry, ctx.repository, authorization);
    authorization =
      shared ??
      (await ctx.authorizer.answer(
        ctx.registry,
        ctx.repository,
        parseChallenges(response.headers.get('www-authenticate')),
        ctx.entry,
        ctx.signal,
      ));
  }
}

function authFailure(ctx: ProbeContext): PermanentError {
  return hasSecret(ctx.entry)
    ? credentialsRejected(ctx.registry, ctx.entry, `registry ${ctx.registry}`, ctx.repository)
    : credentialsNeeded(ctx.registry);
}

async function classify(ctx: ProbeContext, response: Response): Promise<Probe> {
  await response.body?.cancel();
  const status = response.status;
  const retryAfter = retryAfterMs(response.headers.get('retry-after'), ctx.now());
  if (status === 404) return { kind: 'missing', reason: `registry ${ctx.registry} has no such manifest yet (404)` };
  if (status === 429 || status >= 500 || (status === 403 && retryAfter !== undefined)) {
    return {
      kind: 'unavailable',
      reason: `registry ${ctx.registry} answered ${status}`,
      ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
    };
  }
  if (status === 403) throw authFailure(ctx);
  throw new PermanentError(
    'registry_unexpected_status',
    `registry ${ctx.registry} answered ${status} for ${ctx.url}; check that the host is an OCI distribution registry and the reference is right`,
  );
}
