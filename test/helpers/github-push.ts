import { readFileSync } from 'node:fs';

/** GitHub's push body as go-scm captured it (test/fixtures/webhooks/SOURCES.md). */
const CAPTURE = new URL('../fixtures/webhooks/github/goscm-push.json', import.meta.url);

export interface GithubPushOptions {
  /** The pushed repository, `owner/name`. */
  repo: string;
  /** The pushed commit: `after` and the head commit's id. Defaults to the capture's. */
  after?: string;
  /** The branch pushed (`refs/heads/<branch>`). Defaults to the capture's `master`. */
  branch?: string;
  /** The branch's tip before the push; all zeros marks the branch created. Defaults to the capture's. */
  before?: string;
  /** The SCM's web and git base URL, e.g. an emulator's `url`. Defaults to https://github.com. */
  base?: string;
  /** The paths the head commit changed (as `modified`). Defaults to `['VERSION']`. */
  files?: string[];
  /** The head commit's message. Defaults to the capture's. */
  message?: string;
  /** GitHub sets `forced` on a push that rewrote the branch. */
  forced?: boolean;
}

/**
 * A real GitHub push body (the go-scm capture) re-aimed at `repo` and the given commits, with
 * one commit that is the head commit: every field dispatchd reads is the caller's, the rest is
 * what GitHub sends.
 */
export function githubPushPayload(o: GithubPushOptions): Record<string, unknown> {
  const p = JSON.parse(readFileSync(CAPTURE, 'utf8')) as Record<string, unknown>;
  const after = o.after ?? (p.after as string);
  const before = o.before ?? (p.before as string);
  const base = o.base ?? 'https://github.com';
  const head = {
    ...(p.head_commit as Record<string, unknown>),
    id: after,
    ...(o.message !== undefined ? { message: o.message } : {}),
    added: [],
    removed: [],
    modified: o.files ?? ['VERSION'],
  };
  return {
    ...p,
    ...(o.branch !== undefined ? { ref: `refs/heads/${o.branch}` } : {}),
    before,
    after,
    created: /^0+$/.test(before),
    ...(o.forced ? { forced: true } : {}),
    head_commit: head,
    commits: [head],
    repository: {
      ...(p.repository as object),
      full_name: o.repo,
      name: o.repo.split('/').pop(),
      clone_url: `${base}/${o.repo}.git`,
      html_url: `${base}/${o.repo}`,
    },
  };
}

/** The same, as the bytes GitHub would send. */
export const githubPushBody = (o: GithubPushOptions): string => JSON.stringify(githubPushPayload(o));
