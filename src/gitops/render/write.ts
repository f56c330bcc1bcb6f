import { randomBytes } from 'node:crypto';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside } from '../paths.js';
import type { RenderedFile } from './index.js';

/**
 * Writes each changed file inside `root`. Paths are checked again here, since the tree may have
 * changed since rendering; each file is written to a temporary name and renamed over the old one,
 * which replaces a symlink rather than writing through it and never leaves half a file. The file
 * takes its template's permissions, so an executable script stays executable.
 */
export async function writeRendered(root: string, files: RenderedFile[]): Promise<void> {
  for (const file of files) {
    if (file.before === file.after) continue;
    const target = await resolveInside(root, file.path);
    const template = await resolveInside(root, file.template);
    const mode = (await stat(template)).mode & 0o777;
    const temp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.dispatchd-${randomBytes(6).toString('hex')}`,
    );
    try {
      await writeFile(temp, file.after, { mode, flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }
}
