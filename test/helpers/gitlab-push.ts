import { readFileSync } from 'node:fs';

const capture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/webhooks/gitlab/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

export interface GitlabPushOptions {
  /** The project's full path, `group/subgroup/name`. */
  repo: string;
  /** The pushed commit (`after`, `checkout_sha`, the one listed commit). Defaults to the capture's. */
  after?: string;
  /** The branch pushed (`refs/heads/<branch>`). Defaults to the capture's `master`. */
  branch?: string;
  /** The branch's tip before the push. Defaults to the capture's. */
  before?: string;
  /** The instance's web and git base URL, e.g. an emulator's `url`. Defaults to https://gitlab.com. */
  base?: string;
  /** The paths the commit changed (as `modified`). Defaults to `['VERSION']`. */
  files?: string[];
}

/** A GitLab body's `project` and `repository` re-aimed at `repo` on `base`. */
export function gitlabProjectFields(p: Record<string, unknown>, repo: string, base = 'https://gitlab.com') {
  return {
    project: {
      ...(p.project as object),
      path_with_namespace: repo,
      web_url: `${base}/${repo}`,
      git_http_url: `${base}/${repo}.git`,
      http_url: `${base}/${repo}.git`,
      homepage: `${base}/${repo}`,
    },
    repository: { ...(p.repository as object), git_http_url: `${base}/${repo}.git`, homepage: `${base}/${repo}` },
  };
}

/**
 * A real GitLab push body (the go-scm capture) re-aimed at `repo` and the given commits, with
 * one listed commit. GitLab's push body has no "forced" flag: a forced push looks like any other.
 */
export function gitlabPushBody(o: GitlabPushOptions): string {
  const p = capture('goscm-push.json');
  const base = o.base ?? 'https://gitlab.com';
  const after = o.after ?? (p.after as string);
  const commit = {
    ...((p.commits as object[])[0] as object),
    id: after,
    url: `${base}/${o.repo}/-/commit/${after}`,
    added: [],
    modified: o.files ?? ['VERSION'],
    removed: [],
  };
  return JSON.stringify({
    ...p,
    ...(o.branch !== undefined ? { ref: `refs/heads/${o.branch}` } : {}),
    ...(o.before !== undefined ? { before: o.before } : {}),
    after,
    checkout_sha: after,
    commits: [commit],
    total_commits_count: 1,
    ...gitlabProjectFields(p, o.repo, base),
  });
}
