import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { headCommit } from '../../src/git/head-commit.js';
import { git } from '../../src/git/run.js';

const ME = ['-c', 'user.name=t', '-c', 'user.email=t@localhost'];

describe('headCommit: what `git rev-parse HEAD HEAD^{tree}` says, without the process', { timeout: 60_000 }, () => {
  let dir: string;
  let bare: string;
  let wt: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-head-'));
    bare = join(dir, 'mirror.git');
    wt = join(dir, 'work');
    const seed = join(dir, 'seed');
    await git(['init', '--quiet', '--bare', bare]);
    await git(['init', '--quiet', seed]);
    await writeFile(join(seed, 'a.txt'), '1\n');
    await git(['add', 'a.txt'], { cwd: seed });
    await git([...ME, 'commit', '--quiet', '-m', 'seed'], { cwd: seed });
    await git(['push', '--quiet', bare, 'HEAD:refs/heads/main'], { cwd: seed });
    await git(['worktree', 'add', '--quiet', '--detach', wt, 'main'], { cwd: bare });
    await writeFile(join(wt, 'a.txt'), '2\n');
    await git(['add', 'a.txt'], { cwd: wt });
    await git([...ME, 'commit', '--quiet', '-m', 'update'], { cwd: wt });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const asked = async (cwd: string) => {
    const [commit, tree] = (await git(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd })).trim().split('\n');
    return { commit, tree };
  };

  const loose = async (sha: string) =>
    stat(join(bare, 'objects', sha.slice(0, 2), sha.slice(2))).then(
      () => true,
      () => false,
    );

  it('a commit just made in a linked worktree (a loose object)', async () => {
    const want = await asked(wt);
    assert.ok(await loose(want.commit!), 'read from the loose object');
    assert.deepEqual(await headCommit(wt), want);
  });

  it('the same commit once packed (git gc): asked of git instead', async () => {
    await git(['gc', '--quiet', '--prune=now'], { cwd: bare });
    const want = await asked(wt);
    assert.ok(!(await loose(want.commit!)), 'packed');
    assert.deepEqual(await headCommit(wt), want);
  });

  it('a repository whose .git is a directory', async () => {
    const seed = join(dir, 'seed');
    assert.deepEqual(await headCommit(seed), await asked(seed));
  });
});
