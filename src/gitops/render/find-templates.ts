import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Lists every `*.tmpl` file under `dir`, as sorted posix paths relative to `dir`. Symlinked
 * directories are not entered (they could loop or leave the tree) and `.git` is skipped;
 * symlinked files are listed, and reading them goes through `resolveInside`, which refuses any
 * that leave the checkout.
 */
export async function findTemplates(dir: string): Promise<string[]> {
  const found: string[] = [];
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') pending.push(child);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.tmpl') && entry.name !== '.tmpl') {
        found.push(child);
      }
    }
  }
  return found.sort();
}
