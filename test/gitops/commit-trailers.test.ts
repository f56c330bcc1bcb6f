import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { git } from '../../src/git/run.js';
import { commitsAbove, commitsWithTrailers, formatTrailers } from '../../src/gitops/commit-trailers.js';

const ME = ['-c', 'user.name=t', '-c', 'user.email=t@localhost'];
const OURS = formatTrailers({
  env: 'github:acme/gitops#prod',
  source: 'github:acme/app',
  commit: 'a'.repeat(40),
  ref: 'refs/heads/main',
});

// Messages a head branch's top commit may carry: dispatchd's own, and what a reviewer might write.
const MESSAGES: Record<string, string> = {
  ours: `Deploy acme/app@aaaaaaa to prod\n\nImages: reg/app:1\n\n${OURS}\n`,
  'ours, no body': `Deploy\n\n${OURS}\n`,
  "a reviewer's": 'Fix the replica count\n\nThe HPA needs 3.\n',
  'trailer-like line in the body only':
    'Tweak\n\nDispatchd-Env: github:acme/gitops#prod\nbecause reasons\n\nSigned-off-by: r <r@x>\n',
  'a subject alone that looks like a trailer': 'Dispatchd-Env: github:acme/gitops#prod\n',
  'repeated and lower-case keys': 'Two\n\ndispatchd-env: one\nDispatchd-Env: two\nDispatchd-Commit:  bbb  \n',
  'continuation line': `Cont\n\nDispatchd-Env: github:acme/gitops#prod\n  continued\nDispatchd-Commit: ${'c'.repeat(40)}\n`,
  'a cut line': `Cut\n\n---\n\n${OURS}\n`,
  crlf: `Crlf\r\n\r\n${OURS.replace(/\n/g, '\r\n')}\r\n`,
  'blank lines with spaces': `Spaces\n \nbody\n\t\n${OURS}\n\n\n`,
};

/**
 * commitsAbove reads the head commit's trailers from its loose object instead of `git log`;
 * for every message it must say exactly what git says (the range base..head), or ask git.
 */
describe(
  'commitsAbove: the same answer as git log, without the process in the steady case',
  { timeout: 60_000 },
  () => {
    let dir: string;
    let base: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dispatchd-trailers-'));
      await git(['init', '--quiet', '--bare', dir]);
      const tree = (await git(['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: dir, input: '' })).trim();
      base = (await git([...ME, 'commit-tree', tree, '-m', 'base'], { cwd: dir })).trim();
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    const commitOn = async (parents: string[], message: string) => {
      const file = join(dir, 'msg');
      await writeFile(file, message);
      const tree = (await git(['rev-parse', `${base}^{tree}`], { cwd: dir })).trim();
      return (
        await git([...ME, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', file], { cwd: dir })
      ).trim();
    };

    for (const [name, message] of Object.entries(MESSAGES))
      it(`${name}: as git reads it`, async () => {
        const head = await commitOn([base], message);
        assert.deepEqual(await commitsAbove(dir, base, head), await commitsWithTrailers(dir, `${base}..${head}`));
      });

    it('ours is read without git; two commits above the base and a merge are asked of git', async () => {
      const ours = await commitOn([base], MESSAGES.ours!);
      // Without its HEAD file the directory is no repository to git: an answer proves git was not run.
      await rename(join(dir, 'HEAD'), join(dir, 'HEAD.away'));
      try {
        assert.deepEqual(await commitsAbove(dir, base, ours), [
          { sha: ours, env: 'github:acme/gitops#prod', commit: 'a'.repeat(40) },
        ]);
        await assert.rejects(commitsWithTrailers(dir, `${base}..${ours}`), 'git cannot read it now');
      } finally {
        await rename(join(dir, 'HEAD.away'), join(dir, 'HEAD'));
      }
      const second = await commitOn([ours], MESSAGES["a reviewer's"]!);
      assert.deepEqual(await commitsAbove(dir, base, second), await commitsWithTrailers(dir, `${base}..${second}`));
      assert.equal((await commitsAbove(dir, base, second)).length, 2);
      const side = await commitOn([base], 'side\n');
      const merge = await commitOn([ours, side], `Merge\n\n${OURS}\n`);
      assert.deepEqual(await commitsAbove(dir, base, merge), await commitsWithTrailers(dir, `${base}..${merge}`));
    });
  },
);
