import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { git } from './run.js';

export interface HeadCommit {
  commit: string;
  tree: string;
}

/**
 * The commit a worktree's detached HEAD points at, and its tree. Read from the files `git commit`
 * just wrote (the worktree's HEAD, and the commit as a loose object) rather than from one more git
 * process on the way to the push (push → PR timeline, docs/benchmark.md); asked of git whenever
 * those files are not what this expects (a packed object, another layout).
 */
export async function headCommit(worktree: string): Promise<HeadCommit> {
  try {
    return await readLoose(worktree);
  } catch {
    const [commit = '', tree = ''] = (await git(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: worktree }))
      .trim()
      .split('\n');
    return { commit, tree };
  }
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function readLoose(worktree: string): Promise<HeadCommit> {
  // A linked worktree's .git is a file naming its git dir; that dir's commondir names the repository.
  const pointer = /^gitdir: (.+)$/m.exec(await readFile(join(worktree, '.git'), 'utf8'));
  if (!pointer) throw new Error('not a linked worktree');
  const gitDir = resolve(worktree, pointer[1]!.trim());
  const commit = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
  if (!OID.test(commit)) throw new Error('HEAD is not detached');
  const common = resolve(gitDir, (await readFile(join(gitDir, 'commondir'), 'utf8')).trim());
  const object = inflateSync(await readFile(join(common, 'objects', commit.slice(0, 2), commit.slice(2))));
  // "commit <size>\0tree <oid>\n…": the tree is always the first header of a commit.
  const tree = /^commit \d+\0tree ([0-9a-f]+)\n/.exec(object.subarray(0, 128).toString('latin1'))?.[1];
  if (!tree || !OID.test(tree)) throw new Error('not a commit object');
  return { commit, tree };
}
