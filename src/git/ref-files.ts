import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Files git keeps, read without a git process where the format is plain and fixed (push → PR
 * timeline, docs/benchmark.md: each process costs 15–40 ms on a busy machine). Every reader
 * answers undefined when it cannot be sure, and the caller then asks git.
 *
 * Read synchronously: they are files of a few hundred bytes git has just written (in the page
 * cache), read in microseconds, while every await on a busy worker's event loop waited behind
 * other work (measured: 4 refs and their trees took 20–45 ms as ten awaited reads).
 */

/**
 * The commits of branches (`refs/heads/…`) in a repository that stores refs as files: a loose
 * ref file, else its line in packed-refs (git reads them in that order, and writes both by
 * rename). Undefined for a reftable repository or a symbolic ref.
 */
export async function readRefFiles(gitDir: string, refs: string[]): Promise<Map<string, string> | undefined> {
  if (existsSync(join(gitDir, 'reftable'))) return undefined;
  const out = new Map<string, string>();
  for (const ref of refs) {
    const loose = readOrAbsent(join(gitDir, ref));
    if (loose !== undefined) {
      const oid = loose.trim();
      if (!OID.test(oid)) return undefined;
      out.set(ref, oid);
      continue;
    }
    // Read again for each ref: a pack-refs between two misses writes packed-refs before it
    // removes the loose files, so a copy read earlier could miss a ref that exists.
    const oid = readPackedRefs(gitDir).get(ref);
    if (oid) out.set(ref, oid);
  }
  return out;
}

function readPackedRefs(gitDir: string): Map<string, string> {
  const text = readOrAbsent(join(gitDir, 'packed-refs')) ?? '';
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    // "# pack-refs with: …" header, "^<oid>" peeled tag lines.
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const oid = line.slice(0, space);
    if (OID.test(oid)) out.set(line.slice(space + 1), oid);
  }
  return out;
}

/** A commit as its loose object holds it. */
export interface LooseCommit {
  tree: string;
  parents: string[];
  /** The message, after the headers; undefined when the commit names an encoding other than UTF-8. */
  message?: string;
}

/**
 * A commit from its loose object ("commit <size>\0tree <oid>\nparent <oid>\n…\n\n<message>");
 * undefined when it is packed (or not a commit).
 */
export function looseCommit(objectsDir: string, commit: string): LooseCommit | undefined {
  let raw: Buffer;
  try {
    raw = inflateSync(readFileSync(join(objectsDir, commit.slice(0, 2), commit.slice(2))));
  } catch {
    return undefined;
  }
  const nul = raw.indexOf(0);
  if (nul < 0 || !raw.subarray(0, nul).toString('latin1').startsWith('commit ')) return undefined;
  const text = raw.subarray(nul + 1).toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = (end < 0 ? text : text.slice(0, end)).split('\n');
  const tree = /^tree (\S+)$/.exec(headers[0] ?? '')?.[1];
  if (!tree || !OID.test(tree)) return undefined;
  // Continuation lines (a signature's) start with a space and are no header of their own.
  const parents = headers.flatMap((h) => (h.startsWith('parent ') ? [h.slice(7)] : []));
  if (!parents.every((p) => OID.test(p))) return undefined;
  const encoding = headers.find((h) => h.startsWith('encoding '))?.slice(9);
  const utf8 = !encoding || /^utf-?8$/i.test(encoding);
  return { tree, parents, ...(utf8 ? { message: end < 0 ? '' : text.slice(end + 2) } : {}) };
}

/** A commit's tree from its loose object; undefined when packed. */
export function looseCommitTree(objectsDir: string, commit: string): string | undefined {
  return looseCommit(objectsDir, commit)?.tree;
}

export const isOid = (s: string) => OID.test(s);

/** A file's text; undefined when it is absent or a directory (refs/heads/a when refs/heads/a/b exists). */
function readOrAbsent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
