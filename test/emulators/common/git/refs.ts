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
 * `refs/heads/<name>` whose file can be read as is: no `..`, no characters git rejects in ref
 * names (anything else goes to git, which says what is wrong with it).
 */
export function isPlainBranchRef(ref: string): boolean {
  return /^refs\/heads\/[\w.-]+(\/[\w.-]+)*$/.test(ref) && !ref.includes('..') && !ref.endsWith('.lock');
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
