import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm test` runs the tests compiled (scripts/test.sh: tsc writes .build/, the sources and
 * fixtures are linked beside it) because loading TypeScript through tsx costs each Node process
 * about a second of CPU; a single file can still be run from source with `node --import tsx`.
 * These helpers let a test start its child processes the same way it runs itself.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const COMPILED = import.meta.url.endsWith('.js');

/** The repository's root, whether this file runs from test/helpers or .build/test/helpers. */
export const REPO_ROOT = resolve(HERE, COMPILED ? '../../..' : '../..');
const BUILD = join(REPO_ROOT, '.build');

/**
 * Node arguments that run the TypeScript module `entry` (a path, relative to the repository's
 * root, or a file URL): its compiled .js under .build when the tests run compiled, else the .ts
 * through tsx.
 */
export function nodeEntry(entry: string | URL): string[] {
  const path = typeof entry === 'string' ? resolve(REPO_ROOT, entry) : fileURLToPath(entry);
  if (!COMPILED) return ['--import', 'tsx', path];
  const built = path.startsWith(BUILD + sep) ? path : join(BUILD, relative(REPO_ROOT, path));
  return [built.replace(/\.ts$/, '.js')];
}
