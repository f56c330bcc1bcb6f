import { hasCode } from '../../core/errors.js';
import { headCommit } from '../../git/head-commit.js';
import { treeOf } from '../../git/mirrors.js';
import { git } from '../../git/run.js';
import type { Checkout } from './checkout.js';
import type { PreparedUpdate } from './prepare.js';

/**
 * `pushed`: the branch now has the commit. `same-as-head`: the head branch already carries exactly
 * this content (a retry, or a newer push that renders the same), so nothing was pushed. `moved`:
 * the branch moved since the fetch (the lease failed); the caller starts again from a fresh fetch.
 */
export type PushOutcome =
  { kind: 'pushed'; commit: string } | { kind: 'same-as-head' } | { kind: 'moved'; reason: string };

/**
 * Step 5: push the worktree's commit with a lease on the head branch as fetched (or, straight to
 * the base, never forced), so a branch that moved meanwhile is never overwritten.
 */
export async function pushWithLease(wt: string, p: PreparedUpdate, c: Checkout): Promise<PushOutcome> {
  const withPr = p.flags.createPullRequest;
  const { commit, tree } = await headCommit(wt);
  if (withPr && c.headSha !== null && tree === (c.headTree ?? (await treeOf(wt, c.headSha))))
    return { kind: 'same-as-head' };
  const lease = withPr ? `--force-with-lease=refs/heads/${c.head}:${c.headSha ?? ''}` : '--no-force';
  try {
    await git(
      ['-c', 'advice.pushUpdateRejected=false', 'push', '--quiet', lease, p.remote.url, `HEAD:refs/heads/${c.pushTo}`],
      { cwd: wt, remote: p.remote },
    );
    return { kind: 'pushed', commit };
  } catch (err) {
    if (hasCode(err, 'git_push_rejected')) return { kind: 'moved', reason: err.message };
    throw err;
  }
}
