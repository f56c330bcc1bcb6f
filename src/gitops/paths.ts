import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '../core/errors.js';

function refuse(rel: string, why: string): never {
  throw new PermanentError(
    'gitops_path_outside',
    `refusing path "${rel}": ${why}; paths must stay inside the GitOps checkout (no "..", no absolute paths, no symlinks leaving the tree)`,
  );
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Resolves `rel` inside `root` and returns the absolute path (under `root` as given). Refuses
 * absolute paths, any `..` component (even one that would come back inside: a reviewer should not
 * have to work it out) and any existing component that is a symlink resolving outside the real
 * root. Components that do not exist yet are fine, so the result can be written to.
 */
export async function resolveInside(root: string, rel: string): Promise<string> {
  if (rel.includes('\0')) refuse(rel, 'it contains a NUL byte');
  if (path.isAbsolute(rel) || rel.startsWith('\\')) refuse(rel, 'it is absolute');
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(rel, 'it contains ".."');

  const absRoot = path.resolve(root);
  const realRoot = await realpath(absRoot);
  let current = absRoot;
  for (const part of parts) {
    current = path.join(current, part);
    let stat;
    try {
      stat = await lstat(current);
    } catch (err) {
      if (isMissing(err)) break; // the rest does not exist yet, so it cannot be a symlink
      throw err;
    }
    if (!stat.isSymbolicLink()) continue;
    let target: string;
    try {
      target = await realpath(current);
    } catch (err) {
      // A dangling link could be made to point anywhere before we write through it.
      if (isMissing(err)) refuse(rel, `"${path.relative(absRoot, current)}" is a symlink to a missing target`);
      throw err;
    }
    if (!isInside(realRoot, target)) {
      refuse(rel, `"${path.relative(absRoot, current)}" is a symlink to ${target}, outside the checkout`);
    }
  }
  return path.join(absRoot, ...parts);
}
