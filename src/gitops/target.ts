import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import type { RepoId } from '../core/repo-id.js';

/**
 * Finds the configured host a GitOps repository URL belongs to. Its URL must start with a host's
 * `url`; a Dispatchfile can therefore never aim dispatchd (or its credentials) at a server the
 * operator did not configure.
 */
export function resolveRepoUrl(config: DispatchdConfig, url: string): RepoId {
  const clean = url.replace(/\/+$/, '');
  // Longest url first, so that a host nested under another's path is the one that matches.
  const hosts = Object.entries(config.hosts).sort(([, a], [, b]) => b.url.length - a.url.length);
  for (const [name, host] of hosts) {
    if (clean.startsWith(`${host.url}/`)) {
      let fullName = clean.slice(host.url.length + 1);
      if (host.kind !== 'git') fullName = fullName.replace(/\.git$/, '');
      if (host.kind === 'bitbucket-server') fullName = bitbucketServerName(fullName);
      if (fullName.split('/').includes('..')) break;
      return { host: name, fullName };
    }
  }
  // The configured hosts are not listed: this message reaches commit statuses, which may be public.
  throw new PermanentError(
    'gitops_repo_unknown',
    `GitOps repository ${url} is on no configured host: ask the operator to add its host and a gitops grant`,
  );
}

/**
 * Bitbucket Server names a repository `PROJECT/slug` but its URLs say `scm/project/slug.git`
 * (clone) or `projects/PROJECT/repos/slug/browse` (web); personal repositories `~user/slug`.
 */
function bitbucketServerName(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'scm' && parts.length >= 3)
    return `${parts[1]!.startsWith('~') ? parts[1] : parts[1]!.toUpperCase()}/${parts[2]}`;
  if (parts[0] === 'projects' && parts[2] === 'repos' && parts[3]) return `${parts[1]!.toUpperCase()}/${parts[3]}`;
  if (parts[0] === 'users' && parts[2] === 'repos' && parts[3]) return `~${parts[1]}/${parts[3]}`;
  return path;
}
