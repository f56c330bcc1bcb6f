import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { ScmProvider } from '../../src/scm/contracts.js';
import { runGit } from '../emulators/common/git/run-git.js';
import { createTag } from '../emulators/common/git/write-commit.js';
import type { GitServer } from '../helpers/git-server.js';

/**
 * refTip and compare as every ScmProvider must answer them, run against each SCM's emulator (or
 * the plain git server) on real commits. Each provider's test file calls this inside its
 * describe, after starting the server in `before`.
 */
export interface RefRig {
  scm: ScmProvider;
  /** The server's repositories under the names the tests use (`repo` below, without `.git`). */
  git: GitServer;
  /** The repository as the provider names it. */
  repo: string;
  /** The same repository on `git` (differs for plain git, whose names end in .git). */
  gitName: string;
}

export const TIMEOUT = { timeout: 30_000 };

export function refTipAndCompareTests(rig: () => RefRig): void {
  it('refTip reads a branch tip after a push over git, and moves with the next push', TIMEOUT, async () => {
    const { scm, git, repo, gitName } = rig();
    await git.createRepo(gitName, { files: { 'README.md': 'refs\n' } });
    const remote = await scm.gitRemote(repo);
    const header = Object.entries(remote.headers).flatMap(([k, v]) => ['-c', `http.extraHeader=${k}: ${v}`]);
    const work = await mkdtemp(join(tmpdir(), 'ref-suite-'));
    const id = ['-c', 'user.name=t', '-c', 'user.email=t@example.test'];
    try {
      await runGit([...header, 'clone', '--quiet', remote.url, work]);
      const pushed: string[] = [];
      for (const n of [1, 2]) {
        await runGit([...id, 'commit', '--quiet', '--allow-empty', '-m', `push ${n}`], { cwd: work });
        await runGit([...header, 'push', '--quiet', 'origin', 'HEAD:refs/heads/feature/pushed'], { cwd: work });
        pushed.push((await runGit(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim());
        assert.equal(await scm.refTip(repo, 'refs/heads/feature/pushed'), pushed[n - 1], `tip after push ${n}`);
      }
      assert.equal(await scm.refTip(repo, 'refs/heads/main'), await git.revParse(gitName, 'main'));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refTip is null for a missing branch or tag, and matches names exactly, not by prefix', TIMEOUT, async () => {
    const { scm, repo } = rig();
    assert.equal(await scm.refTip(repo, 'refs/heads/no-such-branch'), null);
    assert.equal(await scm.refTip(repo, 'refs/tags/no-such-tag'), null);
    assert.equal(await scm.refTip(repo, 'refs/heads/feature'), null, '"feature" only prefixes feature/pushed');
    assert.equal(await scm.refTip(repo, 'refs/heads/feature/push'), null);
  });

  it('refTip peels an annotated tag to its commit; a lightweight tag is its commit', TIMEOUT, async () => {
    const { scm, git, repo, gitName } = rig();
    const dir = git.bareDir(gitName);
    const sha = await git.commit(gitName, 'main', { 'release.txt': 'v1\n' }, 'release v1');
    await createTag(dir, 'v1.0.0', sha, 'Release 1.0.0');
    await createTag(dir, 'releases/v1.0.1', sha, 'Release 1.0.1');
    await createTag(dir, 'light', sha);
    const tagObject = (await runGit(['rev-parse', 'refs/tags/v1.0.0'], { gitDir: dir })).stdout.trim();
    assert.notEqual(tagObject, sha, 'the annotated tag is a tag object of its own');
    assert.equal(await scm.refTip(repo, 'refs/tags/v1.0.0'), sha);
    assert.equal(await scm.refTip(repo, 'refs/tags/releases/v1.0.1'), sha);
    assert.equal(await scm.refTip(repo, 'refs/tags/light'), sha);
  });

  it(
    'compare names ahead, behind, identical and diverged on real commits, with files from the merge base',
    TIMEOUT,
    async () => {
      const { scm, git, repo, gitName } = rig();
      const base = await git.commit(gitName, 'main', { 'shared.txt': 'base\n', 'gone.txt': 'x\n' }, 'base');
      await git.commit(gitName, 'topic/cmp', { 'a.txt': 'a\n' }, 'topic 1');
      const head = await git.commit(gitName, 'topic/cmp', { 'shared.txt': 'topic\n', 'gone.txt': null }, 'topic 2');

      assert.deepEqual(sorted(await scm.compare(repo, base, head)), {
        status: 'ahead',
        files: ['a.txt', 'gone.txt', 'shared.txt'],
      });
      assert.deepEqual(await scm.compare(repo, head, base), { status: 'behind', files: [] });
      assert.deepEqual(await scm.compare(repo, head, head), { status: 'identical', files: [] });

      // main moves on: the topic's files still count from the merge base, not from main's tip.
      const mainTip = await git.commit(gitName, 'main', { 'main-only.txt': 'm\n' }, 'main moves');
      assert.deepEqual(sorted(await scm.compare(repo, mainTip, head)), {
        status: 'diverged',
        files: ['a.txt', 'gone.txt', 'shared.txt'],
      });
      assert.deepEqual(await scm.compare(repo, head, mainTip), { status: 'diverged', files: ['main-only.txt'] });
      // A branch name as the base (a new branch's push compares with the default branch).
      assert.deepEqual(sorted(await scm.compare(repo, 'main', head)), {
        status: 'diverged',
        files: ['a.txt', 'gone.txt', 'shared.txt'],
      });
    },
  );
}

function sorted(c: { status: string; files: string[] | null }): { status: string; files: string[] | null } {
  return { status: c.status, files: c.files === null ? null : [...c.files].sort() };
}
