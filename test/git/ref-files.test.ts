import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refsAt } from '../../src/git/mirrors.js';
import { readRefFiles } from '../../src/git/ref-files.js';
import { git } from '../../src/git/run.js';

const ME = ['-c', 'user.name=t', '-c', 'user.email=t@localhost'];

describe('branch tips read from ref files agree with git', { timeout: 60_000 }, () => {
  let dir: string;
  let repo: string;
  const commits: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-refs-'));
    repo = join(dir, 'mirror.git');
    const seed = join(dir, 'seed');
    await git(['init', '--quiet', '--bare', repo]);
    await git(['init', '--quiet', seed]);
    for (const n of [1, 2, 3]) {
      await writeFile(join(seed, 'f'), `${n}\n`);
      await git(['add', 'f'], { cwd: seed });
      await git([...ME, 'commit', '--quiet', '-m', `c${n}`], { cwd: seed });
      commits.push((await git(['rev-parse', 'HEAD'], { cwd: seed })).trim());
    }
    const [c1, c2] = commits;
    await git(['push', '--quiet', repo, `${c1}:refs/heads/main`, `${c2}:refs/heads/a/b`, `${c1}:refs/heads/old`], {
      cwd: seed,
    });
    // main and old packed; main then moved again as a loose ref, which wins.
    await git(['pack-refs', '--all'], { cwd: repo });
    await git(['push', '--quiet', '--force', repo, `${commits[2]}:refs/heads/main`], { cwd: seed });
    // A loose a/b again: refs/heads/a is then a directory, which names no branch.
    await git(['push', '--quiet', '--force', repo, `${commits[0]}:refs/heads/a/b`], { cwd: seed });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const asked = ['refs/heads/main', 'refs/heads/a/b', 'refs/heads/old', 'refs/heads/a', 'refs/heads/gone'];
  const byGit = async () => {
    const out = new Map<string, { commit: string; tree?: string }>();
    const text = await git(['for-each-ref', '--format=%(refname) %(objectname) %(tree)', ...asked], { cwd: repo });
    for (const line of text.trim().split('\n')) {
      const [ref, commit, tree] = line.split(' ');
      if (asked.includes(ref!)) out.set(ref!, { commit: commit!, tree: tree! });
    }
    return out;
  };

  it('loose over packed, packed alone, a name that is a directory, an absent one', async () => {
    const files = await readRefFiles(repo, asked);
    assert.ok(files, 'a files repository is read');
    const want = await byGit();
    assert.deepEqual(files, new Map([...want].map(([ref, tip]) => [ref, tip.commit])));
    assert.equal(files.get('refs/heads/main'), commits[2], 'the loose ref, not the packed one');
    assert.equal(files.get('refs/heads/a/b'), commits[0]);
    assert.equal(files.has('refs/heads/a'), false, 'a directory of refs is no ref');
    const tips = await refsAt(repo, asked);
    assert.ok(tips.get('refs/heads/main')?.tree, 'the tree of a loose commit is read too');
    for (const [ref, tip] of tips) {
      assert.equal(tip.commit, want.get(ref)!.commit, ref);
      // Trees come from loose objects only; packed ones are left to git.
      if (tip.tree !== undefined) assert.equal(tip.tree, want.get(ref)!.tree, ref);
    }
  });

  it('a reftable repository is left to git', async () => {
    await mkdir(join(repo, 'reftable'));
    try {
      assert.equal(await readRefFiles(repo, asked), undefined);
      const want = await byGit();
      assert.deepEqual(await refsAt(repo, asked), want);
    } finally {
      await rm(join(repo, 'reftable'), { recursive: true });
    }
  });
});
