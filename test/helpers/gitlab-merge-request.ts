import { readFileSync } from 'node:fs';
import { gitlabProjectFields } from './gitlab-push.js';

export interface GitlabMergeRequestOptions {
  /** The target project's full path. */
  repo: string;
  /** The instance's web and git base URL (an emulator's `url`). */
  base: string;
  iid: number;
  /** GitLab's action: `open`, `reopen`, `update` (a new head when `oldrev` is given), `close`, `merge`. */
  action: string;
  source: string;
  target: string;
  /** The head commit (`last_commit.id`). */
  sha: string;
  /** The previous head, which GitLab sends on an `update` that pushed commits. */
  oldrev?: string;
  /** The source branch lives in another project (a fork): its own project id. */
  forkProjectId?: number;
}

/** A real GitLab Merge Request Hook body (the go-scm capture) re-aimed at `repo` and the given branches and head. */
export function gitlabMergeRequestBody(o: GitlabMergeRequestOptions): string {
  const p = JSON.parse(
    readFileSync(new URL('../fixtures/webhooks/gitlab/goscm-pull_request_create.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown> & { object_attributes: Record<string, unknown> };
  const a = p.object_attributes;
  const target = a.target_project_id as number;
  return JSON.stringify({
    ...p,
    ...gitlabProjectFields(p, o.repo, o.base),
    object_attributes: {
      ...a,
      iid: o.iid,
      action: o.action,
      source_branch: o.source,
      target_branch: o.target,
      source_project_id: o.forkProjectId ?? target,
      last_commit: { ...(a.last_commit as object), id: o.sha, url: `${o.base}/${o.repo}/-/commit/${o.sha}` },
      url: `${o.base}/${o.repo}/-/merge_requests/${o.iid}`,
      ...(o.oldrev ? { oldrev: o.oldrev } : {}),
    },
  });
}
