import { git } from '../git/run.js';

/** One GitOps commit on the base that dispatchd made for an environment. */
export interface Landed {
  /** The GitOps commit. */
  sha: string;
  /** The source commit its Dispatchd-Commit trailer names. */
  commit: string;
}

const FORMAT =
  '--format=%H%x1f%(trailers:key=Dispatchd-Env,valueonly,separator=%x2c)%x1f%(trailers:key=Dispatchd-Commit,valueonly,separator=%x2c)%x1e';

/**
 * The commits reachable from `rev` that dispatchd made for `envId`, newest first (merge commits
 * of a merged PR are skipped: the PR's own commit carries the trailers). What an environment has
 * carried is thus recomputed from git alone.
 */
export async function landedFor(dir: string, rev: string, envId: string, max = 50): Promise<Landed[]> {
  const out = await git(
    ['log', `--max-count=${max}`, '--fixed-strings', `--grep=Dispatchd-Env: ${envId}`, FORMAT, rev],
    { cwd: dir },
  );
  return out
    .split('\x1e')
    .map((r) => r.trim().split('\x1f'))
    .filter(([sha, env, commit]) => sha && env?.trim() === envId && commit?.trim())
    .map(([sha, , commit]) => ({ sha: sha!, commit: commit!.trim() }));
}

/** Commits of `rev` that descend from `ancestor` (newest first, at most `max`), then `ancestor` itself. */
export async function selfAndDescendants(dir: string, ancestor: string, rev: string, max = 10): Promise<string[]> {
  const out = await git(['rev-list', '--ancestry-path', `--max-count=${max}`, `${ancestor}..${rev}`], { cwd: dir });
  return [...out.split('\n').filter(Boolean), ancestor];
}

/**
 * Whether `rev` carries in `dir` exactly what dispatchd's commit `gitopsCommit` wrote there, and
 * if so the newest commit of `rev` that changed `dir`. A squash or rebase merge makes new commits
 * whose messages may not keep dispatchd's trailers (GitLab's default squash message is the MR
 * title); the content still says whether the update landed. dispatchd made `gitopsCommit` in this
 * mirror, so its objects are here even after its branch is gone.
 */
export async function landedByContent(
  dir: string,
  rev: string,
  gitopsCommit: string,
  envDir: string,
): Promise<string | undefined> {
  const treeOf = (commit: string) =>
    git(['rev-parse', '--verify', '--quiet', envDir ? `${commit}:${envDir}` : `${commit}^{tree}`], { cwd: dir }).then(
      (t) => t.trim(),
      () => '',
    );
  const [want, have] = await Promise.all([treeOf(gitopsCommit), treeOf(rev)]);
  if (!want || want !== have) return undefined;
  const last = (await git(['log', '-1', '--format=%H', rev, '--', envDir || '.'], { cwd: dir })).trim();
  return last || undefined;
}

/**
 * The source commits `dir` carried on `rev`, newest first and without repeats, read from the
 * content: each commit of `rev` that changed `dir` is matched to the update dispatchd wrote with
 * the same tree there. Squash and rebase merges lose trailers, not content.
 */
export async function carriedHistory(
  mirror: string,
  rev: string,
  envDir: string,
  updates: { gitopsCommit: string; source: string }[],
  max = 50,
): Promise<string[]> {
  const treeOf = (commit: string) =>
    git(['rev-parse', '--verify', '--quiet', envDir ? `${commit}:${envDir}` : `${commit}^{tree}`], {
      cwd: mirror,
    }).then(
      (t) => t.trim(),
      () => '',
    );
  const bySource = new Map<string, string>();
  for (const u of updates) {
    const tree = await treeOf(u.gitopsCommit);
    if (tree && !bySource.has(tree)) bySource.set(tree, u.source);
  }
  const commits = (await git(['log', `--max-count=${max}`, '--format=%H', rev, '--', envDir || '.'], { cwd: mirror }))
    .split('\n')
    .filter(Boolean);
  const out: string[] = [];
  for (const c of commits) {
    const source = bySource.get(await treeOf(c));
    if (source && out.at(-1) !== source) out.push(source);
  }
  return out;
}
