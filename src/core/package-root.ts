import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root (where package.json and scripts/ live), found by walking up: the
 * code runs both from src/ (tsx) and from dist/src/ (built), at different depths.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the running code');
    dir = up;
  }
  return dir;
}
