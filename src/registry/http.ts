import { TransientError } from '../core/errors.js';

const MAX_REDIRECTS = 5;

export interface SendOptions {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * fetch that follows redirects itself so the Authorization header never leaves the origin it
 * was meant for: registries redirect to CDNs and storage buckets, which must not see it.
 */
export async function send(fetchFn: typeof fetch, url: string, options: SendOptions): Promise<Response> {
  let current = new URL(url);
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const response = await fetchFn(current, {
      method: options.method,
      headers,
      redirect: 'manual',
      ...(options.signal && { signal: options.signal }),
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || response.status === 304 || location === null) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) {
      throw new TransientError('registry_redirect_loop', `${url} redirected more than ${MAX_REDIRECTS} times; check the registry's proxy setup`);
    }
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      const { authorization: _dropped, Authorization: _dropped2, ...rest } = headers;
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

export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}
