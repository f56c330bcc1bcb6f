import { PermanentError, TransientError } from '../core/errors.js';
import type { Challenge } from './challenge.js';
import { basicAuthorization, hasSecret, isLoopback, type RegistryCredentials } from './credentials.js';
import { cancelled, send } from './http.js';
import { credentialsNeeded, credentialsRejected } from './auth-messages.js';
import { retryAfterMs } from './backoff.js';

export interface IssuedToken {
  authorization: string;
  expiresAt: number;
}

export interface TokenRequest {
  registry: string;
  repository: string;
  challenge: Challenge;
  entry: RegistryCredentials | undefined;
  fetch: typeof fetch;
  now: () => number;
  /** Refuses addresses the registry's entry does not allow, before each hop (the resolver sets it). */
  guard?: (url: URL) => Promise<void>;
  signal?: AbortSignal;
}

// The spec's default lifetime when the token server does not say.
const DEFAULT_EXPIRES_IN_S = 60;

/*
 * Messages here name the image's registry (the pusher's own text) but never the token service's
 * host: that is the registry's word or a configured tokenHosts entry, and these messages can reach
 * a public commit status. The realm is in the registry's WWW-Authenticate answer to GET /v2/.
 */

/** The network error's code (ECONNREFUSED, ENOTFOUND…), without the host or address its message names. */
function networkErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  // A timeout or cancellation by its name (TimeoutError, AbortError), not its message.
  return error instanceof Error &&
    /^[A-Za-z]+Error$/.test(error.name) &&
    error.name !== 'Error' &&
    error.name !== 'TypeError'
    ? error.name
    : 'network error';
}

/**
 * The bearer-token flow of the distribution spec: GET the realm the registry named, with the
 * service and scope it asked for, sending this registry's basic credentials when configured.
 */
export async function fetchToken(request: TokenRequest): Promise<IssuedToken> {
  const { registry, repository, challenge, entry } = request;
  const realm = challenge.params.realm;
  if (realm === undefined || !/^https?:\/\//i.test(realm)) {
    throw new PermanentError(
      'registry_auth_unsupported',
      `registry ${registry} asked for a bearer token without a usable realm (${realm === undefined ? 'none given' : 'not an http(s) URL'}); check that it is an OCI distribution registry`,
    );
  }
  const url = new URL(realm);
  if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service);
  const scopes = (challenge.params.scope ?? `repository:${repository}:pull`).split(' ').filter((s) => s !== '');
  for (const scope of scopes) url.searchParams.append('scope', scope);

  const headers: Record<string, string> = { accept: 'application/json' };
  if (hasSecret(entry)) {
    // Basic credentials over plain http to another machine would be readable on the wire.
    if (url.protocol === 'http:' && !isLoopback(url.host) && entry.insecure !== true) {
      throw new PermanentError(
        'registry_realm_insecure',
        `registry ${registry} sends clients to a token service over plain http; dispatchd will not send credentials ` +
          `there. Serve the token service over https, or set insecure: true on this registry in the config if this is a lab`,
      );
    }
    headers.authorization = basicAuthorization(entry.username, entry.password);
  }

  let response: Response;
  try {
    response = (
      await send(request.fetch, url.toString(), {
        method: 'GET',
        headers,
        ...(request.guard && { guard: request.guard }),
        ...(request.signal && { signal: request.signal }),
      })
    ).response;
  } catch (error) {
    if (cancelled(request.signal) || error instanceof TransientError) throw error;
    throw new TransientError(
      'registry_token_unreachable',
      `the token service of registry ${registry} is unreachable (${networkErrorCode(error)}); will retry`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw hasSecret(entry)
      ? credentialsRejected(registry, entry, 'token service of the registry')
      : credentialsNeeded(registry);
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    throw new TransientError(
      'registry_token_unavailable',
      `the token service of registry ${registry} answered ${response.status}; will retry`,
      retryAfterMs(response.headers.get('retry-after'), request.now()),
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new PermanentError(
      'registry_token_failed',
      `the token service of registry ${registry} answered ${response.status}; check the registry's auth setup`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    token?: unknown;
    access_token?: unknown;
    expires_in?: unknown;
  };
  const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new PermanentError(
      'registry_token_failed',
      `the token service of registry ${registry} answered without a token; check the registry's auth setup`,
    );
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
  // Renew a little early so a token never expires between our check and the registry's.
  const margin = Math.min(10, expiresIn / 10);
  return { authorization: `Bearer ${token}`, expiresAt: request.now() + (expiresIn - margin) * 1000 };
}
