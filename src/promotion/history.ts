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
