import { runGit } from '../common/git/run-git.js';

/** One entry of GitLab's `diffs` list (compare, MR changes). */
export interface GitlabDiff {
  old_path: string;
  new_path: string;
  a_mode: string;
  b_mode: string;
  diff: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
}

/**
 * The diffs GitLab's compare returns: from the merge base (`straight=false`, the default) or
 * straight from `from` to `to`. Two git runs whatever the number of files: the name-status list
 * gives exact paths, the patch gives each file's hunks in the same order.
 */
export async function compareDiffs(dir: string, from: string, to: string, straight: boolean): Promise<GitlabDiff[]> {
  const range = straight ? [from, to] : [`${from}...${to}`];
  const status = await runGit(['diff', '--raw', '-z', '-M', '--no-abbrev', ...range, '--'], { gitDir: dir });
  const patch = await runGit(['diff', '-M', '--no-color', '--no-ext-diff', ...range, '--'], { gitDir: dir });
  const hunks = patch.stdout
    .split(/^diff --git .*$/m)
    .slice(1)
    .map((chunk) => {
      const at = chunk.search(/^@@ /m);
      return at < 0 ? '' : chunk.slice(at);
    });
  const parts = status.stdout.split('\0').filter((p) => p !== '');
  const diffs: GitlabDiff[] = [];
  for (let i = 0; i < parts.length;) {
    // `:100644 100644 <sha> <sha> M` then the path, or two paths for renames and copies.
    const [aMode = '', bMode = '', , , code = ''] = (parts[i++] ?? '').slice(1).split(' ');
    const letter = code.charAt(0);
    const oldPath = parts[i++] ?? '';
    const newPath = letter === 'R' || letter === 'C' ? (parts[i++] ?? '') : oldPath;
    diffs.push({
      old_path: oldPath,
      new_path: newPath,
      a_mode: aMode === '000000' ? '0' : aMode,
      b_mode: bMode === '000000' ? '0' : bMode,
      diff: hunks[diffs.length] ?? '',
      new_file: letter === 'A',
      renamed_file: letter === 'R',
      deleted_file: letter === 'D',
    });
  }
  return diffs;
}

/** The last commit that touched `path` at or before `ref` (GitLab's `last_commit_id`). */
export async function lastCommitFor(dir: string, ref: string, path: string): Promise<string> {
  const run = await runGit(['log', '-1', '--format=%H', ref, '--', path], { gitDir: dir });
  return run.stdout.trim();
}
