import { TransientError } from '../core/errors.js';

const MAX_REDIRECTS = 5;
// A registry that accepts the connection and never answers must not hold a job past its wait.
const REQUEST_TIMEOUT_MS = 30_000;

export interface SendOptions {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Called before each hop (the first request and every redirect); throws to refuse the address. */
  guard?: (url: URL) => Promise<void>;
}

export interface Sent {
  response: Response;
  /** Where the answer came from after redirects; a 401 from elsewhere is not the registry's to answer. */
  url: URL;
}

/**
 * fetch that follows redirects itself so the Authorization header never leaves the origin it
 * was meant for: registries redirect to CDNs and storage buckets, which must not see it. Each
 * hop's address is checked by `guard` first, so a redirect cannot reach a private address.
 */
export async function send(fetchFn: typeof fetch, url: string, options: SendOptions): Promise<Sent> {
  let current = new URL(url);
  let headers = { ...options.headers };
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  for (let hop = 0; ; hop++) {
    await options.guard?.(current);
    const response = await fetchFn(current, { method: options.method, headers, redirect: 'manual', signal });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || response.status === 304 || location === null)
      return { response, url: current };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) {
      throw new TransientError(
        'registry_redirect_loop',
        `${url} redirected more than ${MAX_REDIRECTS} times; check the registry's proxy setup`,
      );
    }
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    current = next;
  }
}

/** A short description of a network failure: undici hides the useful code in `cause`. */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

/** True when the caller cancelled, as opposed to our own request timeout firing. */
export function cancelled(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
