import { DispatchError } from '../core/errors.js';
import { git } from './run.js';

/** How many times an add that lost the race below is tried in all. */
const ADD_ATTEMPTS = 5;

/**
 * `git worktree add --detach` of `commit` into `dir` (an empty directory).
 *
 * `git worktree remove` deletes `$GIT_DIR/worktrees` once it is empty (so does gc's prune), and an
 * add that created that directory a moment before then fails: "could not create directory of
 * 'worktrees/…': No such file or directory". Updates of one GitOps repository open and close
 * worktrees of the same mirror at once (and one update opens the moved base's worktree while it
 * closes the old one), so that loss is expected and the add is made again: it created nothing.
 */
export async function addWorktree(repo: string, dir: string, commit: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await git(['worktree', 'add', '--quiet', '--detach', dir, commit], { cwd: repo });
      return;
    } catch (err) {
      if (attempt >= ADD_ATTEMPTS || !lostToRemove(err)) throw err;
    }
  }
}

/** Removes a worktree added above; its directory is the caller's to delete. */
export async function removeWorktree(repo: string, dir: string): Promise<void> {
  await git(['worktree', 'remove', '--force', dir], { cwd: repo });
}

function lostToRemove(err: unknown): boolean {
  return err instanceof DispatchError && /could not create directory of '[^']*worktrees\//.test(err.message);
}
