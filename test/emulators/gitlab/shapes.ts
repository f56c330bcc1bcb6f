import { ApiFailure, type ApiResponse } from '../common/emulator-server.js';
import { paginate } from '../common/http-io.js';
import type { MergeRequestRecord, NoteRecord, StatusRecord } from './store.js';

/** JSON bodies in the shapes GitLab's REST API v4 docs give, trimmed to the fields clients read. */

/** GitLab's errors: `{"message": "404 Project Not Found"}`, or a list/field map for validation. */
export function gitlabError(status: number, message: unknown): ApiFailure {
  return new ApiFailure({ status, body: { message } });
}

/** `404 Project Not Found`, `404 File Not Found`, `404 Commit Not Found`, `404 Not found`. */
export function notFound(what?: string): ApiFailure {
  return gitlabError(404, what === undefined ? '404 Not found' : `404 ${what} Not Found`);
}

/** Grape's parameter errors use `error`, e.g. `{"error":"title is missing"}`. */
export function paramError(error: string): ApiFailure {
  return new ApiFailure({ status: 400, body: { error } });
}

export function created(body: unknown): ApiResponse {
  return { status: 201, body };
}

export interface Urls {
  url: string;
  apiUrl: string;
}

/** A user's id, derived from the username so every route and hook agrees on it. */
export function userId(username: string): number {
  let h = 0;
  for (const c of username) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return Math.abs(h) % 100000;
}

export function userJson(urls: Urls, username: string): Record<string, unknown> {
  return {
    id: userId(username),
    username,
    name: username,
    state: 'active',
    avatar_url: null,
    web_url: `${urls.url}/${username}`,
  };
}

export function projectJson(
  urls: Urls,
  fullName: string,
  id: number,
  defaultBranch: string | null,
): Record<string, unknown> {
  const parts = fullName.split('/');
  const path = parts.pop() ?? '';
  const namespace = parts.join('/');
  return {
    id,
    name: path,
    path,
    name_with_namespace: [...parts, path].join(' / '),
    path_with_namespace: fullName,
    default_branch: defaultBranch,
    visibility: 'private',
    web_url: `${urls.url}/${fullName}`,
    http_url_to_repo: `${urls.url}/${fullName}.git`,
    ssh_url_to_repo: `git@127.0.0.1:${fullName}.git`,
    namespace: {
      id: id + 1,
      name: parts[parts.length - 1] ?? '',
      path: parts[parts.length - 1] ?? '',
      kind: 'group',
      full_path: namespace,
    },
    archived: false,
    empty_repo: defaultBranch === null,
    merge_method: 'merge',
    only_allow_merge_if_pipeline_succeeds: false,
  };
}

export interface MergeRequestView {
  urls: Urls;
  fullName: string;
  projectId: number;
  /** GitLab's `detailed_merge_status`, computed by the caller. */
  detailedMergeStatus: string;
}

export function mergeRequestJson(v: MergeRequestView, mr: MergeRequestRecord): Record<string, unknown> {
  const legacy =
    v.detailedMergeStatus === 'conflict'
      ? 'cannot_be_merged'
      : v.detailedMergeStatus === 'checking'
        ? 'checking'
        : 'can_be_merged';
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: v.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_at: mr.mergedAt,
    closed_at: mr.closedAt,
    merged_by: mr.mergedAt === null ? null : userJson(v.urls, mr.mergedBy ?? mr.author),
    merge_when_pipeline_succeeds: Boolean(mr.autoMerge),
    merge_user: mr.autoMerge ? userJson(v.urls, mr.autoMerge.user) : null,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    source_project_id: v.projectId,
    target_project_id: v.projectId,
    author: userJson(v.urls, mr.author),
    draft: mr.draft,
    work_in_progress: mr.draft,
    merge_status: legacy,
    detailed_merge_status: v.detailedMergeStatus,
    has_conflicts: v.detailedMergeStatus === 'conflict',
    sha: mr.sha,
    labels: [],
    merge_commit_sha: mr.mergeCommitSha,
    squash_commit_sha: null,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${v.fullName}!${mr.iid}` },
    web_url: `${v.urls.url}/${v.fullName}/-/merge_requests/${mr.iid}`,
    user_notes_count: 0,
  };
}

export function noteJson(urls: Urls, projectId: number, n: NoteRecord): Record<string, unknown> {
  return {
    id: n.id,
    type: null,
    body: n.body,
    author: userJson(urls, n.author),
    created_at: n.createdAt,
    updated_at: n.createdAt,
    system: false,
    noteable_id: n.mergeRequestIid,
    noteable_type: 'MergeRequest',
    noteable_iid: n.mergeRequestIid,
    project_id: projectId,
    resolvable: false,
    confidential: false,
    internal: false,
  };
}

export function statusJson(urls: Urls, s: StatusRecord): Record<string, unknown> {
  const finished = s.status === 'success' || s.status === 'failed' || s.status === 'canceled';
  return {
    id: s.id,
    sha: s.sha,
    ref: s.ref,
    status: s.status,
    name: s.name,
    target_url: s.targetUrl,
    description: s.description,
    created_at: s.createdAt,
    started_at: s.status === 'pending' ? null : s.createdAt,
    finished_at: finished ? s.createdAt : null,
    allow_failure: false,
    coverage: null,
    author: userJson(urls, s.author),
  };
}

/** GitLab's offset pagination: `x-page`/`x-total`/… headers and a `Link` header; 20 per page by default. */
export function gitlabPage<T>(
  items: T[],
  query: URLSearchParams,
  selfUrl: string,
): { page: T[]; headers: Record<string, string> } {
  const q = new URLSearchParams(query);
  if (!q.has('per_page')) q.set('per_page', '20');
  const { page, headers } = paginate(items, q, selfUrl, 100);
  const perPage = Math.min(100, Math.max(1, Number(q.get('per_page')) || 20));
  const current = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  return {
    page,
    headers: {
      ...headers,
      'x-page': String(current),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
      'x-total-pages': String(totalPages),
      'x-next-page': current < totalPages ? String(current + 1) : '',
      'x-prev-page': current > 1 ? String(current - 1) : '',
    },
  };
}
