import type { PullRequest } from '../contracts.js';

/** The fields of GitLab's merge request entity that dispatchd reads. */
export interface MergeRequestFields {
  iid: number;
  project_id?: number;
  source_project_id?: number;
  target_project_id?: number;
  web_url: string;
  source_branch: string;
  target_branch: string;
  state: string;
  title: string;
  description?: string | null;
  detailed_merge_status?: string;
  merge_status?: string;
  /** The head commit. */
  sha?: string | null;
  labels?: string[];
}

/** `locked` is GitLab's state while a merge is in progress: still open as far as callers care. */
export function toPullRequest(mr: MergeRequestFields): PullRequest {
  return {
    number: mr.iid,
    url: mr.web_url,
    head: mr.source_branch,
    base: mr.target_branch,
    state: mr.state === 'merged' ? 'merged' : mr.state === 'opened' || mr.state === 'locked' ? 'open' : 'closed',
    title: mr.title,
    body: mr.description ?? '',
  };
}

/** A merge request as `getPullRequest` reads it: also its head commit, whether it comes from a fork, and its labels. */
export function toReadPullRequest(mr: MergeRequestFields): PullRequest {
  return {
    ...toPullRequest(mr),
    ...(mr.sha ? { headSha: mr.sha } : {}),
    ...(mr.source_project_id !== undefined && mr.target_project_id !== undefined
      ? { fork: mr.source_project_id !== mr.target_project_id }
      : {}),
    ...(mr.labels ? { labels: mr.labels } : {}),
  };
}

// detailed_merge_status values that mean "GitLab has not finished checking yet": asking again
// in a moment can succeed. Every other value names a reason a person has to act on.
const STILL_CHECKING = new Set(['unchecked', 'checking', 'approvals_syncing', 'preparing']);

export function mergeStatusIsPending(status: string | undefined): boolean {
  return status !== undefined && STILL_CHECKING.has(status);
}

/** What to tell a person for GitLab's `detailed_merge_status` when a merge was refused. */
export function mergeBlockedHint(status: string | undefined): string {
  switch (status) {
    case 'conflict':
    case 'broken_status':
      return 'the source branch conflicts with the target: resolve it in GitLab or close the merge request so dispatchd opens a fresh one';
    case 'ci_must_pass':
    case 'ci_still_running':
      return 'the project requires a successful pipeline before merging: merge by hand once it passes, or drop -merge-pull-request';
    case 'draft_status':
      return 'the merge request is a draft: mark it ready';
    case 'not_approved':
      return 'the merge request needs approvals: approve it, or drop -merge-pull-request';
    case 'discussions_not_resolved':
      return 'unresolved threads block the merge: resolve them';
    case 'not_open':
      return 'the merge request is no longer open';
    case 'need_rebase':
      return 'the project merges fast-forward only and the branch is behind: rebase it in GitLab';
    default:
      return `GitLab reports detailed_merge_status "${status ?? 'unknown'}"; check the merge request's merge checks`;
  }
}
