import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRemote } from './remote.js';
import { looseCommitTree, readRefFiles } from './ref-files.js';
import { git } from './run.js';

export interface FetchOptions {
  /**
   * Take a fetch of this mirror that started at or after this time (ms since the epoch), running
   * or done, instead of starting another: the one a plan started while it read the Dispatchfile
   * (src/gitops/prefetch.ts). A failed one is not taken.
   */
  startedSince?: number;
  /**
   * Fetch only the branches whose names start with one of these (`main` fetches `main` and
   * `main-old`; `dispatchd/github/acme/app/` a namespace), rather than every branch and tag:
   * branches the update does not read cost no download. A fetch is taken for one that asks
   * only for branches it covered.
   */
  branches?: string[];
  /**
   * Fetch only if no fetch of this mirror is running or waiting; else do nothing (the plan's
   * prefetch: in a burst the updates fetch for themselves, and a queue of early fetches would
   * only add load).
   */
  onlyIfIdle?: boolean;
}

/** A fetch of one mirror: when it was asked for (a lower bound of its start), of what, and its end. */
interface Fetching {
  at: number;
  /** Branch-name prefixes fetched; undefined: every branch and tag. */
  branches: string[] | undefined;
  done: Promise<string>;
}

/** How many recent fetches per mirror are remembered for reuse. */
const REMEMBERED = 4;

/**
 * A fetch of some branches leaves git's own housekeeping (`git maintenance run --auto`, which a
 * fetch otherwise runs before it returns) for later: at most once a minute per mirror, a few
 * seconds after such a fetch, in turn with its fetches.
 */
const MAINTAIN_EVERY_MS = 60_000;
const MAINTAIN_AFTER_MS = 3_000;

const covers = (f: Fetching, wanted: string[] | undefined) =>
  f.branches === undefined || (wanted !== undefined && wanted.every((w) => f.branches!.some((b) => w.startsWith(b))));

/**
 * Bare mirrors of remote repositories kept on disk, fetched (not cloned) per job. Fetches of one
 * mirror are serialised inside this instance because git's ref locks would reject a second one.
 */
export function createMirrors(dataDir: string, now: () => number = Date.now) {
  const chains = new Map<string, Promise<unknown>>();
  const recent = new Map<string, Fetching[]>();
  // Per mirror, this process's pushes to its remote: running now, and when the last one ended.
  const writes = new Map<string, { inflight: number; lastEnd: number }>();
  const maintained = new Map<string, number>();

  function maintainLater(dir: string): void {
    const last = maintained.get(dir);
    if (last !== undefined && now() - last < MAINTAIN_EVERY_MS) return;
    maintained.set(dir, now());
    setTimeout(() => {
      void serial(dir, () => git(['maintenance', 'run', '--auto', '--quiet'], { cwd: dir })).catch(() => undefined);
    }, MAINTAIN_AFTER_MS).unref();
  }

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

  /** Fetches every branch and tag of `remote` (or only `opts.branches`) into its mirror; returns the mirror's path. */
  async function fetch(remote: GitRemote, opts: FetchOptions = {}): Promise<string> {
    return (await fetchFor(remote, opts)).dir;
  }

  /**
   * `fetch`, saying whether an earlier fetch was taken (`reused`): a decision that pushes
   * nothing, made from such a fetch, is worth checking again from a fetch of its own.
   */
  async function fetchFor(remote: GitRemote, opts: FetchOptions = {}): Promise<{ dir: string; reused: boolean }> {
    const dir = dirFor(remote.url);
    const since = opts.startedSince;
    const w = writes.get(dir);
    // Never a fetch that may predate this process's own push there: it would not show it.
    if (since !== undefined && !(w && w.inflight > 0)) {
      for (const f of [...(recent.get(dir) ?? [])].reverse()) {
        if (f.at < since || f.at < (w?.lastEnd ?? 0) || !covers(f, opts.branches)) continue;
        const reused = await f.done.catch(() => undefined);
        if (reused) return { dir: reused, reused: true };
      }
    }
    if (opts.onlyIfIdle && chains.has(dir)) return { dir, reused: false };
    const done = fetchNow(dir, remote, opts.branches);
    recent.set(dir, [...(recent.get(dir) ?? []), { at: now(), branches: opts.branches, done }].slice(-REMEMBERED));
    done.catch(() => undefined);
    return { dir: await done, reused: false };
  }

  /** Runs a push to `remote`: no fetch that started before it ends is taken afterwards. */
  async function writing<T>(remote: GitRemote, push: () => Promise<T>): Promise<T> {
    const dir = dirFor(remote.url);
    const w = writes.get(dir) ?? { inflight: 0, lastEnd: 0 };
    writes.set(dir, w);
    w.inflight += 1;
    try {
      return await push();
    } finally {
      w.inflight -= 1;
      w.lastEnd = now();
    }
  }

  function fetchNow(dir: string, remote: GitRemote, branches: string[] | undefined): Promise<string> {
    // A pattern that matches nothing is no error (a head branch not pushed yet, or deleted).
    const refspecs = branches
      ? [...new Set(branches)].map((b) => `+refs/heads/${b}*:refs/heads/${b}*`)
      : ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    return serial(dir, async () => {
      const exists = await stat(join(dir, 'HEAD')).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await mkdir(dir, { recursive: true });
        await git(['init', '--quiet', '--bare', dir]);
      }
      // Housekeeping is off the update's path for a fetch of some branches (maintainLater).
      const housekeeping = branches ? ['-c', 'maintenance.auto=false'] : [];
      await git([...housekeeping, 'fetch', '--quiet', '--prune', '--force', '--no-tags', remote.url, ...refspecs], {
        cwd: dir,
        remote,
      });
      if (branches) maintainLater(dir);
      return dir;
    });
  }

  return { fetch, fetchFor, writing, dirFor };
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

/** A branch's commit and that commit's tree (undefined when not read: see `treeOf`). */
export interface RefTip {
  commit: string;
  tree?: string;
}

/**
 * The commits several branches point at in a mirror: a map from each asked ref
 * (`refs/heads/<name>`) that exists to its tip. Read from the ref files (and the tree from a loose
 * commit object) when git keeps them as files, else with one `for-each-ref`.
 */
export async function refsAt(dir: string, refs: string[]): Promise<Map<string, RefTip>> {
  const out = new Map<string, RefTip>();
  if (refs.length === 0) return out;
  const fromFiles = await readRefFiles(dir, refs).catch(() => undefined);
  if (fromFiles) {
    for (const [ref, commit] of fromFiles) {
      const tree = looseCommitTree(join(dir, 'objects'), commit);
      out.set(ref, tree ? { commit, tree } : { commit });
    }
    return out;
  }
  const text = await git(['for-each-ref', '--format=%(refname) %(objectname) %(tree)', ...refs], { cwd: dir });
  // for-each-ref also matches refs below a pattern (refs/heads/a matches refs/heads/a/b): keep exact ones.
  const wanted = new Set(refs);
  for (const line of text.split('\n')) {
    const [ref, commit, tree] = line.split(' ');
    if (ref && commit && wanted.has(ref)) out.set(ref, tree ? { commit, tree } : { commit });
  }
  return out;
}

/** A commit's tree, asked of git. */
export async function treeOf(dir: string, commit: string): Promise<string> {
  return (await git(['rev-parse', `${commit}^{tree}`], { cwd: dir })).trim();
}
