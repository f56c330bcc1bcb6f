import { join } from 'node:path';
import { looseCommit } from '../git/ref-files.js';
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

/**
 * `commitsWithTrailers(dir, base..head)`, without a git process in the steady case: the head
 * branch is one commit on the base, written by this process moments ago as a loose object
 * (push → PR timeline, docs/benchmark.md). Its trailers are read here only when its message
 * ends in a block git certainly reads as trailers (`plainTrailers`); anything else asks git.
 */
export async function commitsAbove(dir: string, base: string, head: string): Promise<LoggedCommit[]> {
  const c = looseCommit(join(dir, 'objects'), head);
  const t =
    c?.message !== undefined && c.parents.length === 1 && c.parents[0] === base ? plainTrailers(c.message) : undefined;
  if (!t) return commitsWithTrailers(dir, `${base}..${head}`);
  const env = t.get('dispatchd-env')?.join(',').trim();
  const commit = t.get('dispatchd-commit')?.join(',').trim();
  return [{ sha: head, ...(env ? { env } : {}), ...(commit ? { commit } : {}) }];
}

const TRAILER = /^([A-Za-z0-9-]+): (.*)$/;

/**
 * The trailers of a message whose last paragraph (after a subject paragraph) is nothing but
 * `Key: value` lines, keys lower-cased, values trimmed, in order: git reads such a block as
 * trailers whatever its configuration. Undefined for anything git might read otherwise
 * (continuation lines, a `---` line, CRLF, a single paragraph): the caller then asks git.
 */
export function plainTrailers(message: string): Map<string, string[]> | undefined {
  if (message.includes('\r') || /^---/m.test(message)) return undefined;
  const paragraphs = message
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  if (paragraphs.length < 2) return undefined;
  const out = new Map<string, string[]>();
  for (const line of paragraphs.at(-1)!.split('\n')) {
    const m = TRAILER.exec(line);
    if (!m) return undefined;
    const key = m[1]!.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), m[2]!.trim()]);
  }
  return out;
}
