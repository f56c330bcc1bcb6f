import { cappedFetch, type FileTooLargeError } from '../bounded-body.js';

/**
 * Bitbucket Cloud's `GET …/src/{commit}/{path}` answers a file with its bytes under a content type
 * guessed from the name (a `.json` file comes back as `application/json`) and a directory with a
 * JSON page of tree entries. The `bitbucket` client parses any JSON it sees, which would turn a
 * JSON file into an object; this fetch keeps the bytes and remembers the original type instead.
 */
export interface SourceFetch {
  fetch: typeof fetch;
  /** Content type of the last successful answer, before it was hidden from the client. */
  contentType(): string;
  /** The file was over the limit (the client hides what fetch threw inside its own error). */
  overflow(): FileTooLargeError | undefined;
}

export function sourceFetch(maxBytes: number, path: string): SourceFetch {
  let type = '';
  const capped = cappedFetch(maxBytes, path, async (input, init) => {
    const res = await fetch(input, init);
    if (res.ok) type = res.headers.get('content-type') ?? '';
    return res;
  });
  return {
    contentType: () => type,
    overflow: capped.overflow,
    fetch: async (input, init) => {
      const res = await capped.fetch(input, init);
      if (!res.ok) return res;
      const headers = new Headers(res.headers);
      headers.set('content-type', 'application/octet-stream');
      return new Response(await res.arrayBuffer(), { status: res.status, statusText: res.statusText, headers });
    },
  };
}

/** The text of a file, or null when the answer was a directory listing. */
export function fileText(data: unknown, contentType: string): string | null {
  const text =
    data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : typeof data === 'string' ? data : null;
  if (text === null) return null;
  if (/application\/json/i.test(contentType) && isTreeListing(text)) return null;
  return text;
}

function isTreeListing(text: string): boolean {
  try {
    const page = JSON.parse(text) as { values?: unknown; pagelen?: unknown };
    return (
      typeof page.pagelen === 'number' &&
      Array.isArray(page.values) &&
      page.values.every(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          /^commit_(file|directory)$/.test(String((v as { type?: unknown }).type)),
      )
    );
  } catch {
    return false;
  }
}
