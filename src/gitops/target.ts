import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import type { RepoId } from '../core/repo-id.js';
import { SCM_KINDS } from '../scm/kinds.js';

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
      const fullName = SCM_KINDS[host.kind].repoName(clean.slice(host.url.length + 1));
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
