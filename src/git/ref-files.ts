import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Files git keeps, read without a git process where the format is plain and fixed (push → PR
 * timeline, docs/benchmark.md: each process costs 15–40 ms on a busy machine). Every reader
 * answers undefined when it cannot be sure, and the caller then asks git.
 */

/**
 * The commits of branches (`refs/heads/…`) in a repository that stores refs as files: a loose
 * ref file, else its line in packed-refs (git reads them in that order, and writes both by
 * rename). Undefined for a reftable repository or a symbolic ref.
 */
export async function readRefFiles(gitDir: string, refs: string[]): Promise<Map<string, string> | undefined> {
  if (await exists(join(gitDir, 'reftable'))) return undefined;
  const out = new Map<string, string>();
  for (const ref of refs) {
    const loose = await readFile(join(gitDir, ref), 'utf8').catch((err: NodeJS.ErrnoException) => {
      // Absent, or a directory of longer names (refs/heads/a when refs/heads/a/b exists).
      if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (loose !== undefined) {
      const oid = loose.trim();
      if (!OID.test(oid)) return undefined;
      out.set(ref, oid);
      continue;
    }
    // Read again for each ref: a pack-refs between two misses writes packed-refs before it
    // removes the loose files, so a copy read earlier could miss a ref that exists.
    const oid = (await readPackedRefs(gitDir)).get(ref);
    if (oid) out.set(ref, oid);
  }
  return out;
}

async function readPackedRefs(gitDir: string): Promise<Map<string, string>> {
  const text = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
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

/** A commit's tree from its loose object ("commit <size>\0tree <oid>\n…"); undefined when packed. */
export async function looseCommitTree(objectsDir: string, commit: string): Promise<string | undefined> {
  const raw = await readFile(join(objectsDir, commit.slice(0, 2), commit.slice(2))).catch(() => undefined);
  if (!raw) return undefined;
  const tree = /^commit \d+\0tree ([0-9a-f]+)\n/.exec(inflateSync(raw).subarray(0, 128).toString('latin1'))?.[1];
  return tree && OID.test(tree) ? tree : undefined;
}

export const isOid = (s: string) => OID.test(s);

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
