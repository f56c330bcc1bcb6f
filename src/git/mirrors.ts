import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRemote } from './remote.js';
import { git } from './run.js';

/**
 * Bare mirrors of remote repositories kept on disk, fetched (not cloned) per job. Fetches of one
 * mirror are serialised inside this instance because git's ref locks would reject a second one.
 */
export function createMirrors(dataDir: string) {
  const chains = new Map<string, Promise<unknown>>();

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
  async function fetch(remote: GitRemote): Promise<string> {
    const dir = dirFor(remote.url);
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
