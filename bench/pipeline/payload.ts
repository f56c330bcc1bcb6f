import { fixture } from '../../test/e2e/fixtures.js';

/** GitHub's push payload (the go-scm capture) re-aimed at the emulator's repository and commit. */
export function githubPushPayload(opts: {
  repo: string;
  branch: string;
  before: string;
  after: string;
  base: string;
}): string {
  const p = fixture('github/goscm-push.json');
  const head = { ...(p.head_commit as Record<string, unknown>), id: opts.after, modified: ['VERSION'] };
  return JSON.stringify({
    ...p,
    ref: `refs/heads/${opts.branch}`,
    before: opts.before,
    after: opts.after,
    created: /^0+$/.test(opts.before),
    head_commit: head,
    commits: [head],
    repository: {
      ...(p.repository as object),
      full_name: opts.repo,
      name: opts.repo.split('/')[1],
      clone_url: `${opts.base}/${opts.repo}.git`,
      html_url: `${opts.base}/${opts.repo}`,
    },
  });
}
