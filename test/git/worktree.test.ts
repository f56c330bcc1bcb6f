import assert from 'node:assert/strict';
import { rmdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DispatchError } from '../../src/core/errors.js';
import { git } from '../../src/git/run.js';
import { addWorktree, removeWorktree } from '../../src/git/worktree.js';

const ME = ['-c', 'user.name=t', '-c', 'user.email=t@localhost'];
// Rounds run until the deletion has reached both plain git and addWorktree: on an idle machine in
// the first round or two; on a crowded one the spinning deletion misses more often.
const MIN_ROUNDS = 10;
const MAX_ROUNDS = 400;
const ROUNDS_FOR_MS = 90_000;

/**
 * Does what a concurrent `git worktree remove` of the last other worktree (or gc's prune) does at
 * the worst moment: deletes `worktrees/` as soon as it exists and is empty, once. Spins without
 * yielding while the add, a separate process, runs. True when it deleted the directory.
 */
function deleteWorktreesDirOnce(bare: string): boolean {
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      rmdirSync(join(bare, 'worktrees'));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || Date.now() > until) return false;
    }
  }
}

describe('addWorktree: a worktrees/ deleted under the add', { timeout: 180_000 }, () => {
  let dir: string;
  let bare: string;
  let sha: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-worktree-'));
    bare = join(dir, 'mirror.git');
    const seed = join(dir, 'seed');
    await git(['init', '--quiet', '--bare', bare]);
    await git(['init', '--quiet', seed]);
    await git([...ME, 'commit', '--quiet', '--allow-empty', '-m', 'seed'], { cwd: seed });
    await git(['push', '--quiet', bare, 'HEAD:refs/heads/main'], { cwd: seed });
    sha = (await git(['rev-parse', 'main'], { cwd: bare })).trim();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('plain `git worktree add` then fails; addWorktree makes it again and the worktree opens', async (t) => {
    let lostByGit = 0;
    let deleted = 0;
    let rounds = 0;
    const until = Date.now() + ROUNDS_FOR_MS;
    for (
      let i = 0;
      i < MAX_ROUNDS && Date.now() < until && (i < MIN_ROUNDS || lostByGit === 0 || deleted === 0);
      i++, rounds++
    ) {
      const plain = join(dir, `plain${i}`);
      const adding = git(['worktree', 'add', '--quiet', '--detach', plain, sha], { cwd: bare }).then(
        () => undefined,
        (e: Error) => e,
      );
      const hit = deleteWorktreesDirOnce(bare);
      const failed = await adding;
      if (hit && failed) {
        lostByGit++;
        assert.match(failed.message, /could not create directory of '[^']*worktrees\/plain\d+': No such file/);
      }
      await removeWorktree(bare, plain).catch(() => undefined);

      const ours = join(dir, `ours${i}`);
      const opening = addWorktree(bare, ours, sha);
      if (deleteWorktreesDirOnce(bare)) deleted++;
      await opening;
      assert.deepEqual(await readdir(ours), ['.git'], `round ${i}: the worktree opened`);
      await removeWorktree(bare, ours);
    }
    t.diagnostic(`git alone lost ${lostByGit} of ${rounds} adds; worktrees/ was deleted under ${deleted} of ours`);
    assert.ok(lostByGit > 0, 'the deletion reached git at least once (else this test proves nothing)');
    assert.ok(deleted > 0, 'the deletion reached addWorktree at least once');
  });

  it("any other failure is git's own: a commit the mirror does not have", async () => {
    await assert.rejects(addWorktree(bare, join(dir, 'missing'), 'f'.repeat(40)), (e: unknown) => {
      assert.ok(e instanceof DispatchError);
      assert.match(e.message, /git worktree failed: .*f{40}/);
      return true;
    });
  });
});
