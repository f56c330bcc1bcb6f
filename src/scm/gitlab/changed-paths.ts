import type { GitlabCommit } from './payload.js';

/**
 * Paths the listed commits added, modified or removed, in first-seen order. Undefined when the
 * payload does not say (system hooks list commits without files; deletions and tag pushes list
 * none), so that "no paths known" is never mistaken for "no paths changed".
 */
export function changedPaths(commits: GitlabCommit[]): string[] | undefined {
  if (commits.length === 0) return undefined;
  if (!commits.every((c) => c.added || c.modified || c.removed)) return undefined;
  const seen = new Set<string>();
  for (const c of commits) {
    for (const p of [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]) seen.add(p);
  }
  return [...seen];
}
