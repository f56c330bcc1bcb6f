import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Branch lookups straight from the ref files, without spawning git: the emulators resolve
 * branches on nearly every API call, and a process per lookup is what would make the emulator,
 * not the service, dominate push-to-PR latency. git writes refs by lock-and-rename, so a read
 * sees the old or the new value, never half of one.
 */
export async function branchSha(dir: string, branch: string): Promise<string | null> {
  const loose = await readFile(looseRefPath(dir, branch), 'utf8').catch(() => null);
  const fromLoose = shaOf(loose);
  if (fromLoose !== null) return fromLoose;
  return fromPacked(await readFile(join(dir, 'packed-refs'), 'utf8').catch(() => ''), branch);
}

/**
 * The commit of a full branch name (`refs/heads/<name>`) from the ref files; null when it is not
 * there, or when `ref` is anything else or a name git would reject or that could leave refs/
 * (`..`, `.lock`, other characters): the caller asks git, which resolves it or says why not.
 */
export async function fullBranchSha(dir: string, ref: string): Promise<string | null> {
  const plain = /^refs\/heads\/[\w.-]+(\/[\w.-]+)*$/.test(ref) && !ref.includes('..') && !ref.endsWith('.lock');
  return plain ? branchSha(dir, ref.slice('refs/heads/'.length)) : null;
}

/** branchSha for synchronous test getters (an emulator's `pulls()`). */
export function branchShaSync(dir: string, branch: string): string | null {
  const read = (p: string): string | null => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  };
  return shaOf(read(looseRefPath(dir, branch))) ?? fromPacked(read(join(dir, 'packed-refs')) ?? '', branch);
}

/** The branch HEAD names (the repository's default branch). */
export async function headBranchName(dir: string): Promise<string> {
  const head = await readFile(join(dir, 'HEAD'), 'utf8');
  const m = /^ref: refs\/heads\/(.+)\s*$/.exec(head);
  if (m?.[1] === undefined) throw new Error(`${dir}/HEAD does not name a branch: ${head.trim()}`);
  return m[1].trim();
}

function looseRefPath(dir: string, branch: string): string {
  return join(dir, 'refs', 'heads', ...branch.split('/'));
}

function shaOf(text: string | null): string | null {
  return text !== null && /^[0-9a-f]{40}\s*$/.test(text) ? text.trim() : null;
}

function fromPacked(packed: string, branch: string): string | null {
  const want = `refs/heads/${branch}`;
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === want && sha !== undefined && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}
