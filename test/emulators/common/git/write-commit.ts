import { revParse, RIG_AUTHOR, type Author, defaultBranch, moveBranch } from './bare-repo.js';
import { runGit } from './run-git.js';

/** `null` deletes the path. */
export type FileChanges = Record<string, string | null>;

/**
 * Commits `files` on top of `branch` in a bare repository with `git fast-import`: one process
 * however many files, and a real commit. A branch that does not exist yet starts from the
 * default branch (or as a root commit in an empty repository). fast-import refuses to move a ref
 * that gained commits meanwhile, so concurrent writers fail loudly instead of losing work.
 */
export async function commitFiles(
  dir: string,
  branch: string,
  files: FileChanges,
  message = 'rig commit',
  author: Author = RIG_AUTHOR,
): Promise<string> {
  const parent =
    (await revParse(dir, `refs/heads/${branch}`)) ?? (await revParse(dir, `refs/heads/${await defaultBranch(dir)}`));
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const chunks: Buffer[] = [];
  const line = (s: string): void => void chunks.push(Buffer.from(`${s}\n`, 'utf8'));
  const data = (text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    line(`data ${bytes.length}`);
    chunks.push(bytes, Buffer.from('\n'));
  };
  line(`commit refs/heads/${branch}`);
  line('mark :1');
  line(`author ${author.name} <${author.email}> ${when}`);
  line(`committer ${RIG_AUTHOR.name} <${RIG_AUTHOR.email}> ${when}`);
  data(message);
  if (parent !== null) line(`from ${parent}`);
  for (const [path, content] of Object.entries(files)) {
    const clean = path.replace(/^\/+/, '');
    if (content === null) {
      line(`D ${quotePath(clean)}`);
    } else {
      line(`M 100644 inline ${quotePath(clean)}`);
      data(content);
    }
  }
  line('get-mark :1');
  line('done');
  const run = await runGit(['fast-import', '--quiet', '--done'], { gitDir: dir, input: Buffer.concat(chunks) });
  const sha = run.stdout.trim().split('\n').pop() ?? '';
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw new Error(`fast-import gave no commit id for ${branch} in ${dir}: ${run.stdout} ${run.stderr}`);
  return sha;
}

/**
 * Adds `count` commits on `branch`, each rewriting `path`, in one fast-import run: histories
 * longer than an SCM's commit cap without a process per commit.
 */
export async function commitChain(dir: string, branch: string, count: number, path = 'chain.txt'): Promise<string> {
  const parent =
    (await revParse(dir, `refs/heads/${branch}`)) ?? (await revParse(dir, `refs/heads/${await defaultBranch(dir)}`));
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    const message = `chain ${i}`;
    const content = `${i}\n`;
    lines.push(
      `commit refs/heads/${branch}`,
      `mark :${i}`,
      `author ${RIG_AUTHOR.name} <${RIG_AUTHOR.email}> ${when}`,
      `committer ${RIG_AUTHOR.name} <${RIG_AUTHOR.email}> ${when}`,
    );
    lines.push(`data ${Buffer.byteLength(message)}`, message);
    // Later commits continue from fast-import's own tip of the branch.
    if (i === 1 && parent !== null) lines.push(`from ${parent}`);
    lines.push(`M 100644 inline ${quotePath(path)}`, `data ${Buffer.byteLength(content)}`, content);
  }
  lines.push(`get-mark :${count}`, 'done', '');
  const run = await runGit(['fast-import', '--quiet', '--done'], { gitDir: dir, input: lines.join('\n') });
  const sha = run.stdout.trim().split('\n').pop() ?? '';
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw new Error(`fast-import gave no commit id for ${branch} in ${dir}: ${run.stdout} ${run.stderr}`);
  return sha;
}

/** Tags `target`: annotated (a tag object, as `git tag -a`) when `message` is given, else lightweight. */
export async function createTag(dir: string, name: string, target: string, message?: string): Promise<void> {
  const args = message === undefined ? ['tag', name, target] : ['tag', '-a', '-m', message, name, target];
  await runGit(args, { gitDir: dir, env: committerEnv() });
}

// fast-import takes C-style quoted paths; quote only when a path needs it.
function quotePath(path: string): string {
  return /["\\\n\s]/.test(path) || path.startsWith('"') ? JSON.stringify(path) : path;
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export type MergeOutcome = { merged: true; sha: string } | { merged: false; reason: 'conflict' };

/**
 * Merges `head` into `base` as GitHub's merge button does: `merge` makes a two-parent commit,
 * `squash` and `rebase` one commit with the merged tree on top of base (close enough for a rig;
 * rebase keeps no per-commit history). Conflicts leave every ref untouched.
 */
export async function mergeBranches(
  dir: string,
  base: string,
  head: string,
  message: string,
  method: MergeMethod = 'merge',
): Promise<MergeOutcome> {
  const baseSha = await revParse(dir, `refs/heads/${base}`);
  const headSha = await revParse(dir, head);
  if (baseSha === null || headSha === null)
    throw new Error(`cannot merge ${head} into ${base} in ${dir}: a ref is missing`);
  const tree = await mergeTree(dir, baseSha, headSha);
  if (tree === null) return { merged: false, reason: 'conflict' };
  const parents = method === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
  const commit = await runGit(['commit-tree', tree, ...parents, '-m', message], { gitDir: dir, env: committerEnv() });
  const sha = commit.stdout.trim();
  await moveBranch(dir, base, sha, baseSha);
  return { merged: true, sha };
}

/** The tree a merge of the two commits would have, or null when they conflict. */
export async function mergeTree(dir: string, a: string, b: string): Promise<string | null> {
  const run = await runGit(['merge-tree', '--write-tree', a, b], { gitDir: dir, allowFail: true });
  if (run.code === 1) return null;
  if (run.code !== 0) throw new Error(`git merge-tree failed in ${dir} (needs git 2.38+): ${run.stderr.trim()}`);
  return run.stdout.split('\n')[0]?.trim() ?? null;
}

function committerEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: RIG_AUTHOR.name,
    GIT_AUTHOR_EMAIL: RIG_AUTHOR.email,
    GIT_COMMITTER_NAME: RIG_AUTHOR.name,
    GIT_COMMITTER_EMAIL: RIG_AUTHOR.email,
  };
}
