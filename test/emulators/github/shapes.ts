import { ApiFailure, type ApiResponse } from '../common/emulator-server.js';
import type { CommentRecord, PullRecord, StatusRecord } from './store.js';

/** JSON bodies in the shapes GitHub's REST docs give, trimmed to the fields clients read. */

const DOCS = 'https://docs.github.com/rest';

export function githubError(status: number, message: string, extra: Record<string, unknown> = {}): ApiFailure {
  return new ApiFailure({ status, body: { message, documentation_url: DOCS, status: String(status), ...extra } });
}

export function notFound(): ApiFailure {
  return githubError(404, 'Not Found');
}

export interface FieldError {
  resource: string;
  code: string;
  field?: string;
  message?: string;
}

/** GitHub's 422: `{"message":"Validation Failed","errors":[…]}`. */
export function validationFailed(...errors: FieldError[]): ApiFailure {
  return githubError(422, 'Validation Failed', { errors });
}

export function created(body: unknown, location?: string): ApiResponse {
  return { status: 201, body, headers: location === undefined ? {} : { location } };
}

export interface Urls {
  url: string;
  apiUrl: string;
}

export function userJson(urls: Urls, login: string): Record<string, unknown> {
  const bot = login.endsWith('[bot]');
  return {
    login,
    id: Math.abs(hash(login)),
    node_id: `U_${Buffer.from(login).toString('base64url')}`,
    type: bot ? 'Bot' : 'User',
    site_admin: false,
    url: `${urls.apiUrl}/users/${encodeURIComponent(login)}`,
    html_url: `${urls.url}/${encodeURIComponent(login)}`,
  };
}

export function repoJson(urls: Urls, fullName: string, id: number, defaultBranch: string): Record<string, unknown> {
  const [owner = '', name = ''] = fullName.split('/');
  return {
    id,
    node_id: `R_${Buffer.from(fullName).toString('base64url')}`,
    name,
    full_name: fullName,
    private: true,
    owner: { ...userJson(urls, owner), type: 'Organization' },
    html_url: `${urls.url}/${fullName}`,
    url: `${urls.apiUrl}/repos/${fullName}`,
    clone_url: `${urls.url}/${fullName}.git`,
    git_url: `${urls.url.replace(/^http/, 'git')}/${fullName}.git`,
    ssh_url: `git@127.0.0.1:${fullName}.git`,
    default_branch: defaultBranch,
    visibility: 'private',
    fork: false,
    archived: false,
    disabled: false,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

export interface PullContext {
  urls: Urls;
  fullName: string;
  repoId: number;
  defaultBranch: string;
  /** Only single-PR reads compute mergeability, as on GitHub. */
  mergeable?: boolean | null;
}

export function pullJson(ctx: PullContext, p: PullRecord): Record<string, unknown> {
  const { urls, fullName } = ctx;
  const owner = fullName.split('/')[0] ?? '';
  const api = `${urls.apiUrl}/repos/${fullName}`;
  const repo = repoJson(urls, fullName, ctx.repoId, ctx.defaultBranch);
  const side = (ref: string, sha: string): Record<string, unknown> => ({
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: repo.owner,
    repo,
  });
  const json: Record<string, unknown> = {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: `PR_${p.id}`,
    html_url: `${urls.url}/${fullName}/pull/${p.number}`,
    diff_url: `${urls.url}/${fullName}/pull/${p.number}.diff`,
    patch_url: `${urls.url}/${fullName}/pull/${p.number}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(urls, p.user),
    body: p.body,
    labels: (p.labels ?? []).map((name) => labelJson(urls, fullName, name)),
    assignees: [],
    requested_reviewers: [],
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    draft: p.draft,
    head: side(p.head, p.headSha),
    base: side(p.base, p.baseSha),
    author_association: 'CONTRIBUTOR',
    auto_merge: p.autoMerge
      ? {
          enabled_by: userJson(urls, p.autoMerge.enabledBy),
          merge_method: p.autoMerge.method,
          commit_title: p.autoMerge.commitTitle,
          commit_message: p.autoMerge.commitBody,
        }
      : null,
    merged: p.merged,
    merged_by: p.mergedBy === undefined ? null : userJson(urls, p.mergedBy),
  };
  if (ctx.mergeable !== undefined) {
    json.mergeable = ctx.mergeable;
    json.mergeable_state = p.state === 'closed' ? 'unknown' : ctx.mergeable === false ? 'dirty' : 'clean';
    json.maintainer_can_modify = false;
  }
  return json;
}

/** A label as GitHub shows it on an issue or pull request (repository labels are not kept). */
export function labelJson(urls: Urls, fullName: string, name: string): Record<string, unknown> {
  const id = Math.abs(hash(`${fullName}#${name}`));
  return {
    id,
    node_id: `LA_${id}`,
    url: `${urls.apiUrl}/repos/${fullName}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    description: null,
  };
}

export function commentJson(urls: Urls, fullName: string, c: CommentRecord): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${urls.apiUrl}/repos/${fullName}/issues/comments/${c.id}`,
    html_url: `${urls.url}/${fullName}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${urls.apiUrl}/repos/${fullName}/issues/${c.issueNumber}`,
    body: c.body,
    user: userJson(urls, c.user),
    created_at: c.createdAt,
    updated_at: c.createdAt,
    author_association: c.association ?? 'CONTRIBUTOR',
  };
}

export function statusJson(urls: Urls, fullName: string, s: StatusRecord): Record<string, unknown> {
  return {
    url: `${urls.apiUrl}/repos/${fullName}/statuses/${s.sha}`,
    id: s.id,
    node_id: `SC_${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: userJson(urls, s.creator),
  };
}

function hash(s: string): number {
  let h = 7;
  for (const ch of s) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}
