import { PermanentError } from '../core/errors.js';
import type { PullRequestApi, ScmProvider } from './contracts.js';

/**
 * A provider written as one object (its helpers shared by every method), with the pull-request
 * methods moved under `pulls`: the SCMs that have pull requests are written as before, and the
 * contract still lets a plain git host simply lack them.
 */
export function withPullRequests(api: Omit<ScmProvider, 'pulls'> & PullRequestApi): ScmProvider {
  const {
    findPullRequest,
    createPullRequest,
    updatePullRequest,
    mergePullRequest,
    comment,
    getPullRequest,
    requiredChecks,
    writeAccess,
    autoMerge,
    ...core
  } = api;
  const pulls: PullRequestApi = {
    findPullRequest,
    createPullRequest,
    updatePullRequest,
    mergePullRequest,
    comment,
    getPullRequest,
    ...(requiredChecks ? { requiredChecks } : {}),
    ...(writeAccess ? { writeAccess } : {}),
    ...(autoMerge ? { autoMerge } : {}),
  };
  return { ...core, pulls };
}

/**
 * The pull-request part of a host's provider, for work that exists only where pull requests do
 * (merges, comments on a merge job's PR): a host without them is a configuration error, said so.
 */
export function pullsOf(provider: ScmProvider, host: string): PullRequestApi {
  if (provider.pulls) return provider.pulls;
  throw new PermanentError(
    'scm_no_pull_requests',
    `host "${host}" (${provider.kind}) has no pull requests; use -create-pull-request=false for its repositories`,
  );
}
