import { ApiFailure, type ApiResponse } from '../common/emulator-server.js';
import type { Fault } from '../common/faults.js';

/** Bitbucket Cloud's error body: `{type: "error", error: {message, detail?, fields?}}`. */
export function bitbucketError(
  status: number,
  message: string,
  extra: { detail?: string; fields?: Record<string, string[]> } = {},
): ApiFailure {
  return new ApiFailure({ status, body: { type: 'error', error: { message, ...extra } } });
}

export function faultResponse(fault: Fault): ApiResponse {
  const message =
    fault.status === 429
      ? 'Rate limit for this resource has been exceeded'
      : fault.status >= 500
        ? 'Something went wrong'
        : `HTTP ${fault.status}`;
  const headers: Record<string, string> = {};
  if (fault.retryAfterSec !== undefined) headers['retry-after'] = String(fault.retryAfterSec);
  return { status: fault.status, headers, body: { type: 'error', error: { message } } };
}

/**
 * Bitbucket's page object: `{size, page, pagelen, next?, previous?, values}`; `pagelen` is
 * capped per endpoint (50 for most, 500 for diffstat).
 */
export function paged<T>(
  items: T[],
  query: URLSearchParams,
  selfUrl: string,
  maxPagelen = 50,
  defaultPagelen = 10,
): Record<string, unknown> {
  const pagelen = Math.min(maxPagelen, Math.max(1, Number(query.get('pagelen') ?? defaultPagelen) || defaultPagelen));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const link = (p: number): string => {
    const u = new URL(selfUrl);
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  const last = Math.max(1, Math.ceil(items.length / pagelen));
  return {
    size: items.length,
    page,
    pagelen,
    ...(page < last ? { next: link(page + 1) } : {}),
    ...(page > 1 ? { previous: link(page - 1) } : {}),
    values: items.slice((page - 1) * pagelen, page * pagelen),
  };
}
