import { ApiFailure, type ApiResponse } from '../common/emulator-server.js';
import type { Fault } from '../common/faults.js';

/** Bitbucket Server's error body: `{errors: [{context, message, exceptionName, …}]}`. */
export function serverError(
  status: number,
  message: string,
  exceptionName: string | null = null,
  extra: Record<string, unknown> = {},
): ApiFailure {
  return new ApiFailure({ status, body: { errors: [{ context: null, message, exceptionName, ...extra }] } });
}

export function faultResponse(fault: Fault): ApiResponse {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSec !== undefined) headers['retry-after'] = String(fault.retryAfterSec);
  const message =
    fault.status === 429
      ? 'You have exceeded the rate limit for REST requests; try again later.'
      : 'An internal error occurred.';
  return { status: fault.status, headers, body: { errors: [{ context: null, message, exceptionName: null }] } };
}

/** Bitbucket Server's page: `{size, limit, start, isLastPage, nextPageStart?, values}`. */
export function paged<T>(
  items: T[],
  query: URLSearchParams,
  defaultLimit = 25,
  maxLimit = 1000,
): Record<string, unknown> {
  const start = Math.max(0, Number(query.get('start') ?? 0) || 0);
  const limit = Math.min(maxLimit, Math.max(1, Number(query.get('limit') ?? defaultLimit) || defaultLimit));
  const values = items.slice(start, start + limit);
  const isLastPage = start + limit >= items.length;
  return {
    size: values.length,
    limit,
    start,
    isLastPage,
    ...(isLastPage ? {} : { nextPageStart: start + limit }),
    values,
  };
}

/** A branch as the ref APIs show it. */
export function branchJson(name: string, sha: string, isDefault: boolean): Record<string, unknown> {
  return {
    id: `refs/heads/${name}`,
    displayId: name,
    type: 'BRANCH',
    latestCommit: sha,
    latestChangeset: sha,
    isDefault,
  };
}
