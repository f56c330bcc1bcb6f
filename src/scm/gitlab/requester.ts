import {
  createRequesterFn,
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  type FormattedResponse,
  type RequestOptions,
  type ResourceOptions,
  type RequesterType,
} from '@gitbeaker/requester-utils';

/**
 * A gitbeaker requester that makes exactly one attempt per call.
 *
 * gitbeaker's own handler retries 429 and 502 ten times within about a quarter of a second and
 * then throws an error that no longer carries the status or `Retry-After`. dispatchd's job queue
 * owns retries (backoff that honours `Retry-After`), so here a failure is thrown at once as
 * gitbeaker's `GitbeakerRequestError`, with the response (status and headers) as its cause.
 * gitbeaker's client-side rate limiter is not applied either: the server's 429 is the authority.
 */
export const singleAttemptRequester: (options: ResourceOptions) => RequesterType = createRequesterFn(
  (_service, options) => Promise.resolve(options),
  (endpoint, options) => singleAttempt(endpoint, (options ?? {}) as RequestOptions),
);

/**
 * One GET whose body is left unread, for callers that read it with a cap (a file the pusher
 * sized). Fails as singleAttemptRequester does, so the provider's failureOf reads both alike.
 */
export async function streamGet(
  apiUrl: string,
  endpoint: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<ReadableStream<Uint8Array> | null> {
  const res = await singleAttempt(endpoint, {
    prefixUrl: apiUrl,
    searchParams: new URLSearchParams(query).toString(),
    headers,
    asStream: true,
    signal: AbortSignal.timeout(30_000),
  } as RequestOptions);
  return res.body as ReadableStream<Uint8Array> | null;
}

async function singleAttempt(endpoint: string, options: RequestOptions): Promise<FormattedResponse> {
  const { prefixUrl = '', searchParams, method = 'GET', headers, body, signal, asStream } = options;
  const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
  url.search = searchParams ?? '';
  const request = new Request(url, { method, headers, body, signal });
  let response: Response;
  try {
    response = await fetch(request);
  } catch (e) {
    if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
      throw new GitbeakerTimeoutError(`no answer from ${url.origin} before the query timeout`);
    }
    throw e;
  }
  const responseHeaders = Object.fromEntries(response.headers.entries());
  if (!response.ok) {
    const description = await describeFailure(response);
    throw new GitbeakerRequestError(description, { cause: { description, request, response } });
  }
  if (asStream === true) return { body: response.body ?? null, headers: responseHeaders, status: response.status };
  return {
    body: response.status === 204 ? null : await readBody(response),
    headers: responseHeaders,
    status: response.status,
  };
}

async function readBody(response: Response): Promise<FormattedResponse['body']> {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (type === 'application/json') return ((await response.json()) as FormattedResponse['body']) ?? {};
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}

/** GitLab puts the reason in `message` (a string, a list or a field map) or `error`. */
async function describeFailure(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text.trim() || response.statusText;
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown };
    const reason = json.message ?? json.error ?? text;
    if (typeof reason === 'string') return reason;
    if (Array.isArray(reason)) return reason.map(String).join('; ');
    return JSON.stringify(reason);
  } catch {
    return text.trim() || response.statusText;
  }
}
