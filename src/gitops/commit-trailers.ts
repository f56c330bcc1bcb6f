import { git } from '../git/run.js';

/** Trailers dispatchd writes on every GitOps commit: how it recognises its own work later. */
export interface DispatchdTrailers {
  env: string;
  seq: number;
  source: string;
  commit: string;
}

export function formatTrailers(t: DispatchdTrailers): string {
  return `Dispatchd-Env: ${t.env}\nDispatchd-Seq: ${t.seq}\nDispatchd-Source: ${t.source}\nDispatchd-Commit: ${t.commit}`;
}

interface LoggedCommit {
  sha: string;
  env?: string;
  seq?: number;
}

/** Commits in `range` (newest first) with the dispatchd trailers they carry. */
export async function commitsWithTrailers(dir: string, range: string, max = 200): Promise<LoggedCommit[]> {
  const out = await git(['log', `--max-count=${max}`, '--format=%H%x1f%(trailers:key=Dispatchd-Env,valueonly,separator=%x2c)%x1f%(trailers:key=Dispatchd-Seq,valueonly,separator=%x2c)%x1e', range], { cwd: dir });
  return out.split('\x1e').map((r) => r.trim()).filter(Boolean).map((r) => {
    const [sha, env, seq] = r.split('\x1f');
    return { sha: sha!, ...(env?.trim() ? { env: env.trim() } : {}), ...(seq?.trim() ? { seq: Number(seq.trim()) } : {}) };
  });
}
