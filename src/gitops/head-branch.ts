import { PermanentError } from '../core/errors.js';
import type { RepoId } from '../core/repo-id.js';

/**
 * Head branches live in the namespace of their source repository, `dispatchd/<host>/<repo>/`, so
 * no Dispatchfile can name another team's head branch (or a base) as its own.
 */
export const headNamespace = (source: RepoId) => `dispatchd/${source.host}/${source.fullName}/`.replace(/\/+/g, '/');

/** The default head branch of an environment. */
export const defaultHead = (source: RepoId, envDir: string) =>
  `${headNamespace(source)}${envDir || 'root'}`.replace(/\/+/g, '/');

/** The namespace earlier releases used (no host). */
export const legacyNamespace = (source: RepoId) => `dispatchd/${source.fullName}/`.replace(/\/+/g, '/');

/** The name earlier releases used (no host); an open PR there is adopted rather than duplicated. */
export const legacyHead = (source: RepoId, envDir: string) =>
  `${legacyNamespace(source)}${envDir || 'root'}`.replace(/\/+/g, '/');

/** `-branch` must stay inside the source's namespace. */
export function checkHeadBranch(source: RepoId, branch: string): void {
  const ns = headNamespace(source);
  if (!branch.startsWith(ns) || branch.length === ns.length || branch.split('/').includes('..')) {
    throw new PermanentError(
      'gitops_branch_not_granted',
      `-branch=${branch} is outside ${ns}: a Dispatchfile may name head branches only under its own repository's namespace; write -branch=${ns}<name> or drop the flag`,
    );
  }
}
