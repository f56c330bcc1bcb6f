import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRemote } from './remote.js';
import { git } from './run.js';

export interface FetchOptions {
  /**
   * Take a fetch of this mirror that started at or after this time (ms since the epoch), running
   * or done, instead of starting another: the one a plan started while it read the Dispatchfile
   * (src/gitops/prefetch.ts). A failed one is not taken.
   */
  startedSince?: number;
}

/**
 * Bare mirrors of remote repositories kept on disk, fetched (not cloned) per job. Fetches of one
 * mirror are serialised inside this instance because git's ref locks would reject a second one.
 */
export function createMirrors(dataDir: string, now: () => number = Date.now) {
  const chains = new Map<string, Promise<unknown>>();
  // Per mirror, the newest fetch asked for: when (a lower bound of when it started) and its end.
  const newest = new Map<string, { at: number; done: Promise<string> }>();

  function dirFor(url: string): string {
    return join(dataDir, 'mirrors', `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  function serial<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const prev = chains.get(dir) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    chains.set(dir, settled);
    void settled.then(() => {
      if (chains.get(dir) === settled) chains.delete(dir);
    });
    return next;
  }

  /** Fetches every branch and tag of `remote` into its mirror and returns the mirror's path. */
  async function fetch(remote: GitRemote, opts: FetchOptions = {}): Promise<string> {
    const dir = dirFor(remote.url);
    const last = newest.get(dir);
    if (opts.startedSince !== undefined && last && last.at >= opts.startedSince) {
      const reused = await last.done.catch(() => undefined);
      if (reused) return reused;
    }
    const done = fetchNow(dir, remote);
    newest.set(dir, { at: now(), done });
    done.catch(() => undefined);
    return done;
  }

  function fetchNow(dir: string, remote: GitRemote): Promise<string> {
    return serial(dir, async () => {
      const exists = await stat(join(dir, 'HEAD')).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await mkdir(dir, { recursive: true });
        await git(['init', '--quiet', '--bare', dir]);
      }
      await git(
        [
          'fetch',
          '--quiet',
          '--prune',
          '--force',
          '--no-tags',
          remote.url,
          '+refs/heads/*:refs/heads/*',
          '+refs/tags/*:refs/tags/*',
        ],
        { cwd: dir, remote },
      );
      return dir;
    });
  }

  return { fetch, dirFor };
}
export type Mirrors = ReturnType<typeof createMirrors>;

/** The commit a ref points at in a mirror, or null. */
export async function revParse(dir: string, ref: string): Promise<string | null> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: dir })).trim() || null;
  } catch {
    return null;
  }
}

/**
 * The commits several branches point at in a mirror, in one git process (each `revParse` is one):
 * a map from each asked ref (`refs/heads/<name>`) that exists to its commit.
 */
export async function refsAt(dir: string, refs: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (refs.length === 0) return out;
  const text = await git(['for-each-ref', '--format=%(refname) %(objectname)', ...refs], { cwd: dir });
  // for-each-ref also matches refs below a pattern (refs/heads/a matches refs/heads/a/b): keep exact ones.
  const wanted = new Set(refs);
  for (const line of text.split('\n')) {
    const [ref, sha] = line.split(' ');
    if (ref && sha && wanted.has(ref)) out.set(ref, sha);
  }
  return out;
}
