import type { GithubContext, RepoHandle } from './context.js';
import { mergePull } from './merge-pull.js';
import { refreshPull } from './pull-view.js';
import { unmetRequiredChecks } from './routes/branches.js';

/**
 * GitHub's side of auto-merge: after a status or a check run on `sha`, every open PR with
 * auto-merge on whose head is `sha` and whose base's required checks all passed is merged, by
 * the user who enabled it. Only the required checks count (a failed check the branch does not
 * require does not stop it), as on GitHub; a PR that no longer merges cleanly stays open with
 * auto-merge on. A push to the head keeps auto-merge on: GitHub turns it off only for a push by
 * someone without write access, and the emulator's one token has it.
 */
export async function settleAutoMerge(ctx: GithubContext, r: RepoHandle, sha: string): Promise<void> {
  for (const pull of r.state.pulls) {
    if (pull.state !== 'open' || !pull.autoMerge) continue;
    await refreshPull(r, pull);
    if (pull.headSha !== sha || unmetRequiredChecks(r.state, pull.base, sha).length > 0) continue;
    const a = pull.autoMerge;
    await mergePull(ctx, r, pull, {
      method: a.method,
      ...(a.commitTitle !== null ? { title: a.commitTitle } : {}),
      ...(a.commitBody !== null ? { detail: a.commitBody } : {}),
      by: a.enabledBy,
      via: 'auto-merge',
    }).catch(() => undefined);
  }
}
