/**
 * Bitbucket Server names a repository `PROJECT/slug` but its URLs say `scm/project/slug.git`
 * (clone) or `projects/PROJECT/repos/slug/browse` (web); personal repositories `~user/slug`.
 */
export function bitbucketServerRepoName(path: string): string {
  const parts = path.replace(/\.git$/, '').split('/');
  if (parts[0] === 'scm' && parts.length >= 3)
    return `${parts[1]!.startsWith('~') ? parts[1] : parts[1]!.toUpperCase()}/${parts[2]}`;
  if (parts[0] === 'projects' && parts[2] === 'repos' && parts[3]) return `${parts[1]!.toUpperCase()}/${parts[3]}`;
  if (parts[0] === 'users' && parts[2] === 'repos' && parts[3]) return `~${parts[1]}/${parts[3]}`;
  return parts.join('/');
}
