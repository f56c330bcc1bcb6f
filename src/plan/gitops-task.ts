import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import {
  gitopsStep,
  substituteVariables,
  type Dispatchfile,
  type PlannedTask,
  type VariableContext,
} from '../dispatchfile/index.js';
import { parseUpdateGitopsFlags } from '../gitops/flags.js';
import { stepEnvironmentDir } from '../gitops/edits/index.js';
import { grantedRules, modeOf } from '../gitops/grants.js';
import { checkHeadBranch } from '../gitops/head-branch.js';
import { resolveRepoUrl } from '../gitops/target.js';
import { checkFlagValues, checkRefName } from '../gitops/value-hygiene.js';
import type { ScmProvider } from '../scm/contracts.js';
import { DIGEST_MARKER, envIdOf, type EnvUpdateSpec, type PullRequestOrigin } from '../core/env-update.js';

const WORKSPACE = /^\/workspace\/([^/]+)(?:\/(.*))?$/;

/**
 * Turns a GitOps task into the spec of one environment update. Fails before any fetch when the
 * step aims at a repository on no configured host, or its -scm-provider / -api-endpoint disagree
 * with that host: a Dispatchfile can never send a token to a server the operator did not configure.
 */
export function gitopsSpec(
  config: DispatchdConfig,
  df: Dispatchfile,
  planned: PlannedTask,
  event: PushEvent,
  seq: number,
  vars: VariableContext,
  provider: ScmProvider,
  pullRequest?: PullRequestOrigin,
): { envId: string; spec: EnvUpdateSpec } {
  const step = gitopsStep(planned.task)!;
  const where = `task "${planned.name}" step "${step.name}"`;
  const m = WORKSPACE.exec(step.workingDir ?? '');
  if (!m)
    throw new PermanentError(
      'gitops_workdir',
      `${where}: workingDir must be /workspace/<git resource>[/<subdir>] naming the GitOps repository, got "${step.workingDir ?? ''}"`,
    );
  const resourceName = m[1]!;
  const resource = df.resources[resourceName];
  if (!resource || resource.type !== 'git')
    throw new PermanentError(
      'gitops_workdir',
      `${where}: workingDir names "${resourceName}", which is not a git resource of this Dispatchfile`,
    );
  const url = resource.params.url;
  if (!url) throw new PermanentError('gitops_resource_url', `resource "${resourceName}" has no url param`);
  const target = resolveRepoUrl(config, substituteVariables(url, vars, `resource "${resourceName}" url`));
  const args = step.args.map((a, i) => substituteVariables(a, vars, `${where} args[${i}]`));
  const flags = parseUpdateGitopsFlags(args);
  // Digests are resolved (and the values checked again) when the update runs; their stand-ins
  // hold NULs, so they are masked here.
  checkFlagValues(parseUpdateGitopsFlags(args.map((a) => a.replace(DIGEST_MARKER, 'sha256:digest'))));
  const source = { host: event.host, fullName: event.repo.fullName };
  // Repository, ref and mode now, before any fetch; the base once it is known, the paths once rendered.
  grantedRules(config, {
    source,
    target,
    ref: { type: event.refType, name: event.refName },
    mode: modeOf(flags),
    ...(pullRequest ? { pullRequest: true } : {}),
  });
  if (flags.branch !== undefined) checkHeadBranch(source, flags.branch);
  const revision = resource.params.revision;
  if (revision?.startsWith('dispatchd/')) {
    throw new PermanentError(
      'gitops_base_not_granted',
      `resource "${resourceName}" revision ${revision} is a dispatchd head branch, not a base: name the environment's base branch`,
    );
  }
  if (revision) checkRefName(revision, `resource "${resourceName}" revision`);
  const host = config.hosts[target.host]!;
  if (flags.scmProvider && flags.scmProvider !== host.kind) {
    throw new PermanentError(
      'gitops_provider_mismatch',
      `${where}: -scm-provider=${flags.scmProvider} but ${url} is on host "${target.host}" of kind ${host.kind}; fix the flag or the url`,
    );
  }
  if (flags.apiEndpoint && flags.apiEndpoint.replace(/\/+$/, '') !== host.apiUrl) {
    throw new PermanentError(
      'gitops_endpoint_mismatch',
      `${where}: -api-endpoint=${flags.apiEndpoint} is not the configured apiUrl of host "${target.host}" (${host.apiUrl ?? 'default'}); remove the flag or fix the config`,
    );
  }
  const workingSubdir = m[2] ?? '';
  const images: Record<string, string> = {};
  for (const [name, r] of Object.entries(df.resources))
    if (r.type === 'image' && vars.resources[name]?.url) images[name] = vars.resources[name]!.url!;
  const spec: EnvUpdateSpec = {
    seq,
    source: {
      host: event.host,
      fullName: event.repo.fullName,
      sha: event.after,
      ref: event.ref,
      refName: event.refName,
      pusher: event.pusher,
      webUrl: event.repo.webUrl,
      commitUrl: provider.commitUrl(event.repo.fullName, event.after),
      ...(event.headCommit?.message ? { message: event.headCommit.message } : {}),
      deliveryId: event.deliveryId,
      ...(pullRequest ? { pullRequest } : {}),
    },
    task: planned.name,
    args,
    workingSubdir,
    target,
    ...(revision ? { revision } : {}),
    images,
    envDir: stepEnvironmentDir(flags, workingSubdir),
    receivedAt: event.receivedAt,
  };
  return { envId: envIdOf(spec, flags.branch), spec };
}
