import { PermanentError } from '../core/errors.js';

/** What readFile reads at most when its caller names no limit. */
export const DEFAULT_READ_LIMIT = 1024 * 1024;

/**
 * A file larger than the reader's limit. It carries the bytes read before the limit was passed
 * (the limit plus at most one network chunk), so the refusal can point at where the limit falls
 * without anyone downloading the rest: the pusher chooses the size, the reader chooses the cost.
 */
export class FileTooLargeError extends PermanentError {
  constructor(
    readonly path: string,
    readonly limit: number,
    readonly head: Buffer,
  ) {
    super('file_too_large', `${path} is larger than ${limit} bytes; dispatchd read no further`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * Reads a response body up to `limit` bytes. Past that, the stream is cancelled (the connection
 * is dropped, the rest is never read) and FileTooLargeError is thrown.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  path: string,
): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new FileTooLargeError(path, limit, Buffer.concat(chunks));
    }
  }
  return Buffer.concat(chunks);
}

/**
 * A fetch for API clients that read the body themselves (octokit, the bitbucket client): every
 * successful answer's body is read here, capped, and handed on as bytes. The client wraps what
 * fetch throws in errors of its own, so the overflow is also kept here for the caller to find.
 */
export function cappedFetch(
  limit: number,
  path: string,
  base: typeof fetch = fetch,
): { fetch: typeof fetch; overflow(): FileTooLargeError | undefined } {
  let overflow: FileTooLargeError | undefined;
  return {
    overflow: () => overflow,
    fetch: async (input, init) => {
      const res = await base(input, init);
      if (!res.ok) return res;
      try {
        const bytes = await readCapped(res.body, limit, path);
        // The bytes are already decoded: the length and encoding headers no longer describe them.
        const headers = new Headers(res.headers);
        headers.delete('content-encoding');
        headers.delete('content-length');
        return new Response(res.status === 204 ? null : new Uint8Array(bytes), {
          status: res.status,
          statusText: res.statusText,
          headers,
        });
      } catch (err) {
        if (err instanceof FileTooLargeError) overflow = err;
        throw err;
      }
    },
  };
}

/** The overflow a client call hid inside its own error, or the error itself. */
export function unwrapOverflow(err: unknown, capped: { overflow(): FileTooLargeError | undefined }): unknown {
  return capped.overflow() ?? err;
}
