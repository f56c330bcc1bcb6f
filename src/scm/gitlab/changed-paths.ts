import { pathsOf } from '../payload.js';
import type { GitlabCommit } from './payload.js';

/**
 * Paths the listed commits added, modified or removed (sorted, as for every SCM). Undefined when the
 * payload does not say (system hooks list commits without files; deletions and tag pushes list
 * none), so that "no paths known" is never mistaken for "no paths changed".
 */
export function changedPaths(commits: GitlabCommit[]): string[] | undefined {
  if (commits.length === 0) return undefined;
  if (!commits.every((c) => c.added || c.modified || c.removed)) return undefined;
  return pathsOf(commits);
}
