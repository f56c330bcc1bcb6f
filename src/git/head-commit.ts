import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isOid, looseCommitTree } from './ref-files.js';
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
  let read: HeadCommit | undefined;
  try {
    read = readLoose(worktree);
  } catch {
    read = undefined;
  }
  if (read) return read;
  const [commit = '', tree = ''] = (await git(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: worktree }))
    .trim()
    .split('\n');
  return { commit, tree };
}

// Synchronous reads of a few files git just wrote: see ref-files.ts.
function readLoose(worktree: string): HeadCommit | undefined {
  // A linked worktree's .git is a file naming its git dir; that dir's commondir names the repository.
  const pointer = /^gitdir: (.+)$/m.exec(readFileSync(join(worktree, '.git'), 'utf8'));
  if (!pointer) return undefined;
  const gitDir = resolve(worktree, pointer[1]!.trim());
  const commit = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (!isOid(commit)) return undefined;
  const common = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  const tree = looseCommitTree(join(common, 'objects'), commit);
  return tree ? { commit, tree } : undefined;
}
