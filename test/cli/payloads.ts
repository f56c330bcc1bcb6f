import { fixture } from '../e2e/fixtures.js';

/** GitHub's push payload (the go-scm fixture) re-aimed at an emulator's repository and commit. */
export function githubPush(
  repo: string,
  branch: string,
  before: string,
  after: string,
  base: string,
): Record<string, unknown> {
  const p = fixture('github/goscm-push.json');
  const head = p.head_commit as Record<string, unknown>;
  const name = repo.split('/')[1];
  return {
    ...p,
    ref: `refs/heads/${branch}`,
    before,
    after,
    created: /^0+$/.test(before),
    head_commit: { ...head, id: after, modified: ['VERSION'] },
    commits: [{ ...head, id: after, modified: ['VERSION'] }],
    repository: {
      ...(p.repository as object),
      full_name: repo,
      name,
      clone_url: `${base}/${repo}.git`,
      html_url: `${base}/${repo}`,
    },
  };
}
