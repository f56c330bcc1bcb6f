import { git } from '../git/run.js';

/**
 * Trailers dispatchd writes on every GitOps commit: how it recognises its own work later, and
 * which source commit an environment carries (recomputable from git alone if Redis is lost).
 * Only dispatchd writes them: no value a Dispatchfile controls may hold a newline or a line that
 * looks like a trailer (value-hygiene.ts).
 */
export interface DispatchdTrailers {
  env: string;
  source: string;
  /** The source commit this GitOps commit carries. */
  commit: string;
  /** The source ref it was planned from. */
  ref: string;
}

export function formatTrailers(t: DispatchdTrailers): string {
  return `Dispatchd-Env: ${t.env}\nDispatchd-Source: ${t.source}\nDispatchd-Commit: ${t.commit}\nDispatchd-Ref: ${t.ref}`;
}

export interface LoggedCommit {
  sha: string;
  env?: string;
  /** The source commit named by its Dispatchd-Commit trailer. */
  commit?: string;
}

const FORMAT =
  '--format=%H%x1f%(trailers:key=Dispatchd-Env,valueonly,separator=%x2c)%x1f%(trailers:key=Dispatchd-Commit,valueonly,separator=%x2c)%x1e';

function parse(out: string): LoggedCommit[] {
  return out
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [sha, env, commit] = r.split('\x1f');
      return {
        sha: sha!,
        ...(env?.trim() ? { env: env.trim() } : {}),
        ...(commit?.trim() ? { commit: commit.trim() } : {}),
      };
    });
}

/**
 * Commits in `range` (newest first) with the dispatchd trailers they carry. Merge commits are
 * left out: GitHub's "Update branch" merges the base into a PR branch, which brings no change
 * of a person's own (the range already excludes what came from the base).
 */
export async function commitsWithTrailers(dir: string, range: string, max = 200): Promise<LoggedCommit[]> {
  return parse(await git(['log', '--no-merges', `--max-count=${max}`, FORMAT, range], { cwd: dir }));
}

/** The newest commit reachable from `rev` that dispatchd made for `envId`, if any. */
export async function lastCommitFor(dir: string, rev: string, envId: string): Promise<LoggedCommit | undefined> {
  // --grep narrows the walk to candidates; the trailer itself is what decides.
  const found = parse(
    await git(['log', '--max-count=20', '--fixed-strings', `--grep=Dispatchd-Env: ${envId}`, FORMAT, rev], {
      cwd: dir,
    }),
  );
  return found.find((c) => c.env === envId);
}
