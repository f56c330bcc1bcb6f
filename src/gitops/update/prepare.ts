import type { EnvUpdateSpec } from '../../core/env-update.js';
import type { GitRemote } from '../../git/remote.js';
import type { ScmProvider } from '../../scm/contracts.js';
import type { ApplyDeps } from '../apply.js';
import { resolveDigests } from '../digests.js';
import { parseUpdateGitopsFlags, type UpdateGitopsFlags } from '../flags.js';
import { grantedRules, modeOf, type Deployment } from '../grants.js';
import { checkFlagValues } from '../value-hygiene.js';

/** What every later step of one update needs, settled before anything is fetched. */
export interface PreparedUpdate {
  flags: UpdateGitopsFlags;
  /** The step's args with digests resolved, as applied. */
  args: string[];
  images: Record<string, string>;
  provider: ScmProvider;
  remote: GitRemote;
  gitRevision: string;
  /** A pull request is opened (the flag asks for one and the host has pull requests). */
  usePr: boolean;
  base: string;
  /** The base was asked of the SCM afresh (or named by the revision param): not asked again. */
  baseRefreshed: boolean;
  deployment: Deployment;
  baseBranch: { name: string; isDefault: boolean };
}

/**
 * Step 1: digests resolved, flags parsed and checked again (digests are values too), the base
 * branch known and granted. Nothing is fetched until the grant allows this base.
 */
export async function prepareUpdate(deps: ApplyDeps, spec: EnvUpdateSpec): Promise<PreparedUpdate> {
  const { args, images } = await resolveDigests(spec, deps.resolveDigest);
  const flags = parseUpdateGitopsFlags(args);
  checkFlagValues(flags);
  const provider = deps.providers.for(spec.target.host);
  const remote = await provider.gitRemote(spec.target.fullName);
  const defaultBranch = spec.revision === undefined ? undefined : await provider.defaultBranch(spec.target.fullName);
  const base = spec.revision ?? (await provider.defaultBranch(spec.target.fullName));
  const deployment: Deployment = {
    source: { host: spec.source.host, fullName: spec.source.fullName },
    target: spec.target,
    ref: { type: spec.source.ref.startsWith('refs/tags/') ? 'tag' : 'branch', name: spec.source.refName },
    mode: modeOf(flags),
    ...(spec.source.pullRequest ? { pullRequest: true } : {}),
  };
  const baseBranch = { name: base, isDefault: !spec.revision || spec.revision === defaultBranch };
  grantedRules(deps.config, deployment, baseBranch);
  return {
    flags,
    args,
    images,
    provider,
    remote,
    gitRevision: flags.gitRevision ?? spec.source.sha,
    usePr: flags.createPullRequest && provider.pulls !== undefined,
    base,
    baseRefreshed: Boolean(spec.revision),
    deployment,
    baseBranch,
  };
}
