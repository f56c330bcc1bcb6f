import { fullBranchSha, headBranchName } from './refs.js';
import { runGit } from './run-git.js';

/**
 * Plain-git operations on a bare repository directory, shared by the git server and the SCM
 * emulators. Every commit is a real commit object; refs move with compare-and-swap so two
 * writers racing on one branch cannot silently lose a commit.
 */

export interface Author {
  name: string;
  email: string;
}

export const RIG_AUTHOR: Author = { name: 'Test Rig', email: 'rig@example.test' };

export type ChangeStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface ChangedPath {
  path: string;
  status: ChangeStatus;
  previousPath?: string;
}

export interface LogEntry {
  sha: string;
  message: string;
  /** `Name <email>` */
  author: string;
  date: string;
}

export async function initBare(dir: string, defaultBranch: string): Promise<void> {
  await runGit(['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir]);
  // Pushes over smart HTTP need receive-pack on; the rig's auth decides who may push.
  await runGit(['config', 'http.receivepack', 'true'], { gitDir: dir });
}

export async function revParse(dir: string, ref: string): Promise<string | null> {
  // A full branch name straight from the ref files: the emulators resolve one on nearly every
  // API call, and a git process each (about 10 ms of CPU) was most of an end-to-end test's git.
  // Anything else (short names, shas, expressions, a missing branch) is git's to resolve.
  const fromFiles = await fullBranchSha(dir, ref);
  if (fromFiles !== null) return fromFiles;
  const run = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    gitDir: dir,
    allowFail: true,
  });
  return run.code === 0 ? run.stdout.trim() : null;
}

export async function defaultBranch(dir: string): Promise<string> {
  return headBranchName(dir);
}

export interface GitObject {
  sha: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  content: Buffer;
}

/**
 * Looks several objects up in one `git cat-file --batch` process (`main^{commit}`,
 * `main:path/file`); null for each one that does not exist.
 */
export async function catFiles(dir: string, specs: string[]): Promise<(GitObject | null)[]> {
  if (specs.some((s) => s.includes('\n'))) throw new Error('catFiles: object names cannot contain newlines');
  const run = await runGit(['cat-file', '--batch'], { gitDir: dir, input: specs.map((s) => `${s}\n`).join('') });
  const out = run.out;
  const objects: (GitObject | null)[] = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^([0-9a-f]{40}) (\w+) (\d+)$/.exec(header);
    if (m === null) {
      objects.push(null); // "<spec> missing" or "ambiguous"
      continue;
    }
    const size = Number(m[3]);
    objects.push({ sha: m[1] ?? '', type: m[2] as GitObject['type'], content: out.subarray(at, at + size) });
    at += size + 1;
  }
  return objects;
}

export async function branches(dir: string): Promise<string[]> {
  const run = await runGit(['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/'], { gitDir: dir });
  return run.stdout.split('\n').filter((b) => b !== '');
}

export async function readBlob(dir: string, ref: string, path: string): Promise<Buffer | null> {
  const [obj] = await catFiles(dir, [`${ref}:${path.replace(/^\/+/, '')}`]);
  return obj?.type === 'blob' ? obj.content : null;
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number;
  path: string;
}

/** The entry at `path` in commit `sha` (path '' is the root tree), or null. */
export async function treeEntry(dir: string, sha: string, path: string): Promise<TreeEntry | null> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === '') {
    const tree = await runGit(['rev-parse', `${sha}^{tree}`], { gitDir: dir });
    return { mode: '040000', type: 'tree', sha: tree.stdout.trim(), size: 0, path: '' };
  }
  const run = await runGit(['ls-tree', '-l', '-z', '--full-tree', sha, '--', clean], { gitDir: dir });
  const entry = parseTree(run.stdout)[0];
  return entry !== undefined && entry.path === clean ? entry : null;
}

/** Entries directly inside the directory `path` of commit `sha`. */
export async function listDir(dir: string, sha: string, path: string): Promise<TreeEntry[]> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const run = await runGit(['ls-tree', '-l', '-z', '--full-tree', sha, '--', clean === '' ? '.' : `${clean}/`], {
    gitDir: dir,
  });
  return parseTree(run.stdout);
}

function parseTree(out: string): TreeEntry[] {
  return out
    .split('\0')
    .filter((l) => l !== '')
    .map((line) => {
      const [meta = '', path = ''] = line.split('\t');
      const [mode = '', type = '', sha = '', size = ''] = meta.split(/\s+/);
      return { mode, type: type as TreeEntry['type'], sha, size: size === '-' ? 0 : Number(size), path };
    });
}

export async function log(dir: string, ref: string, max = 20): Promise<LogEntry[]> {
  const run = await runGit(['log', `--max-count=${max}`, '--format=%H%x1f%an <%ae>%x1f%aI%x1f%B%x1e', ref, '--'], {
    gitDir: dir,
    allowFail: true,
  });
  if (run.code !== 0) return [];
  return run.stdout
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r !== '')
    .map((r) => {
      const [sha = '', author = '', date = '', message = ''] = r.split('\x1f');
      return { sha, author, date, message: message.trimEnd() };
    });
}

/** Commits reachable from `head` but not from `base`, oldest first (as GitHub's compare lists them). */
export async function commitsBetween(dir: string, base: string, head: string): Promise<LogEntry[]> {
  const all = await log(dir, `${base}..${head}`, 250);
  return all.reverse();
}

/** Paths changed from the merge base of `base` and `head` to `head` (GitHub's three-dot compare). */
export async function changedPaths(dir: string, base: string, head: string): Promise<ChangedPath[]> {
  const run = await runGit(['diff', '--name-status', '-z', '-M', `${base}...${head}`, '--'], { gitDir: dir });
  const parts = run.stdout.split('\0').filter((p) => p !== '');
  const changes: ChangedPath[] = [];
  for (let i = 0; i < parts.length;) {
    const code = (parts[i++] ?? '').charAt(0);
    if (code === 'R' || code === 'C') {
      const from = parts[i++] ?? '';
      const to = parts[i++] ?? '';
      changes.push(code === 'R' ? { path: to, status: 'renamed', previousPath: from } : { path: to, status: 'added' });
    } else {
      const path = parts[i++] ?? '';
      changes.push({ path, status: code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified' });
    }
  }
  return changes;
}

/** How many commits `head` has that `base` lacks (GitHub's `ahead_by`, uncapped). */
export async function countCommits(dir: string, base: string, head: string): Promise<number> {
  const run = await runGit(['rev-list', '--count', `${base}..${head}`, '--'], { gitDir: dir });
  return Number(run.stdout.trim());
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | null> {
  const run = await runGit(['merge-base', a, b], { gitDir: dir, allowFail: true });
  return run.code === 0 ? run.stdout.trim() : null;
}

export async function deleteBranch(dir: string, branch: string): Promise<void> {
  await runGit(['update-ref', '-d', `refs/heads/${branch}`], { gitDir: dir });
}

/** Moves `refs/heads/<branch>` to `sha`, failing if it no longer points at `expected`. */
export async function moveBranch(dir: string, branch: string, sha: string, expected: string | null): Promise<void> {
  const args = ['update-ref', `refs/heads/${branch}`, sha];
  if (expected !== null) args.push(expected);
  await runGit(args, { gitDir: dir });
}
