import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DispatchdConfig } from '../config/schema.js';
import { DispatchError, PermanentError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import { revParse } from '../git/mirrors.js';
import { git } from '../git/run.js';
import type { EnvUpdateSpec } from '../plan/spec.js';
import type { Providers } from '../scm/providers.js';
import { commitsWithTrailers, formatTrailers, lastCommitFor } from './commit-trailers.js';
import { mayMove } from './forward-only.js';
import { checkFedByPush } from '../promotion/chains.js';
import { checkGrantedPaths, grantedRules, modeOf, type Deployment } from './grants.js';
import { defaultHead, legacyHead } from './head-branch.js';
import { checkFlagValues } from './value-hygiene.js';
import { resolveDigests } from './digests.js';
import { parseUpdateGitopsFlags } from './flags.js';
import { commitMessage, parseNumstat } from './pr-text.js';
import { openOrUpdatePullRequest } from './pull-request.js';
import { isContentChange, renderTree, writeRendered } from './render/index.js';
import type { RepoId } from './target.js';
import { valueChanges, type ValueChange } from './value-changes.js';

export interface ApplyDeps {
  config: DispatchdConfig;
  providers: Providers;
  mirrors: Mirrors;
  resolveDigest: (ref: string) => Promise<string>;
}

export type ApplyResult =
  | {
      outcome: 'updated';
      branch: string;
      commit: string;
      prUrl?: string;
      prNumber?: number;
      /** -merge-pull-request: merge the PR once the checks on `commit` (its head) pass. */
      mergeRequested?: boolean;
      files: string[];
      images: Record<string, string>;
      /** The step's args as applied, digests resolved: what a promotion or rollback re-applies. */
      args: string[];
      changes?: ValueChange[];
      pushed?: boolean;
    }
  | { outcome: 'up-to-date'; branch: string; prUrl?: string }
  | { outcome: 'superseded'; branch: string; carried: string };

/** A push rejected because the branch moved is retried from a fresh fetch this many times. */
const PUSH_ATTEMPTS = 3;

/**
 * Applies one environment update: fetch the GitOps mirror, check that the update moves the
 * environment forward, render the selected templates on top of the base branch, and push one
 * commit to the head branch (or the base with -create-pull-request=false), then find, open or
 * update the pull request.
 */
export async function applyUpdate(deps: ApplyDeps, envId: string, spec: EnvUpdateSpec): Promise<ApplyResult> {
  checkFedByPush(deps.config, spec);
  const { args, images } = await resolveDigests(spec, deps.resolveDigest);
  const flags = parseUpdateGitopsFlags(args);
  // Digests are values too, resolved only now: checked again before anything is written.
  checkFlagValues(flags);
  const provider = deps.providers.for(spec.target.host);
  const remote = await provider.gitRemote(spec.target.fullName);
  const gitRevision = flags.gitRevision ?? spec.source.sha;
  const usePr = flags.createPullRequest && provider.kind !== 'git';
  const base = spec.revision ?? (await provider.defaultBranch(spec.target.fullName));
  const deployment: Deployment = {
    source: { host: spec.source.host, fullName: spec.source.fullName },
    target: spec.target,
    ref: { type: spec.source.ref.startsWith('refs/tags/') ? 'tag' : 'branch', name: spec.source.refName },
    mode: modeOf(flags),
  };
  const baseBranch = {
    name: base,
    isDefault: !spec.revision || spec.revision === (await provider.defaultBranch(spec.target.fullName)),
  };
  // The base is granted (or not) before any fetch.
  grantedRules(deps.config, deployment, baseBranch);

  for (let attempt = 1; ; attempt++) {
    const mirror = await deps.mirrors.fetch(remote);
    const baseSha = await revParse(mirror, `refs/heads/${base}`);
    if (!baseSha)
      throw new PermanentError(
        'gitops_base_missing',
        `branch ${base} does not exist in ${spec.target.fullName}: set the git resource's revision param to an existing branch`,
      );
    const head = flags.branch ?? (await adoptedHead(mirror, deployment.source, spec.envDir));
    const pushTo = flags.createPullRequest ? head : base;
    const headSha = flags.createPullRequest ? await revParse(mirror, `refs/heads/${head}`) : baseSha;
    const mine = flags.createPullRequest && headSha ? await commitsWithTrailers(mirror, `${baseSha}..${headSha}`) : [];
    if (mine.some((c) => c.env !== envId)) await reportForeignCommits(deps, spec, head, base);
    const carried = mine.find((c) => c.env === envId)?.commit ?? (await lastCommitFor(mirror, baseSha, envId))?.commit;
    // A rollback is the operator's explicit move back; everything else only moves forward.
    const direction = spec.rollback
      ? ({ move: true } as const)
      : await mayMove(deps.providers.for(spec.source.host), spec, carried);
    if (!direction.move) return { outcome: 'superseded', branch: pushTo, carried: direction.carried };

    const wt = await mkdtemp(join(deps.config.dataDir, 'work-'));
    try {
      await git(['worktree', 'add', '--quiet', '--detach', wt, baseSha], { cwd: mirror });
      const rendered = await renderTree({
        root: wt,
        workingSubdir: spec.workingSubdir,
        ...(flags.filepath ? { filepath: flags.filepath } : {}),
        values: flags.substitute,
        gitRevision,
        source: `${spec.source.host}:${spec.source.fullName}`,
      });
      const changed = rendered.filter(isContentChange);
      checkGrantedPaths(
        deps.config,
        deployment,
        baseBranch,
        changed.map((f) => f.path),
      );
      if (changed.length === 0)
        return await upToDate(deps, spec, { usePr, head, base, pushTo, ahead: headSha !== null && mine.length > 0 });
      await writeRendered(wt, changed);
      await git(['add', '--', ...changed.map((f) => f.path)], { cwd: wt });
      const message = `${commitMessage(spec, gitRevision, flags.commitMessage)}\n\n${formatTrailers({ env: envId, source: `${spec.source.host}:${spec.source.fullName}`, commit: spec.source.sha, ref: spec.source.ref })}\n`;
      const { name, email } = deps.config.committer;
      await git(
        ['-c', `user.name=${name}`, '-c', `user.email=${email}`, 'commit', '--quiet', '--no-verify', '-F', '-'],
        { cwd: wt, input: message },
      );
      // The head branch may already carry exactly this content (a retry, or a newer push that
      // renders the same): then nothing is pushed and only the PR text is brought up to date.
      const sameAsHead =
        flags.createPullRequest && headSha !== null && (await treeOf(wt, 'HEAD')) === (await treeOf(mirror, headSha));
      if (!sameAsHead) {
        const lease = flags.createPullRequest ? `--force-with-lease=refs/heads/${head}:${headSha ?? ''}` : '--no-force';
        try {
          await git(
            [
              '-c',
              'advice.pushUpdateRejected=false',
              'push',
              '--quiet',
              lease,
              remote.url,
              `HEAD:refs/heads/${pushTo}`,
            ],
            { cwd: wt, remote },
          );
        } catch (err) {
          const moved = err instanceof DispatchError && err.code === 'git_push_rejected';
          if (attempt < PUSH_ATTEMPTS && moved) continue;
          if (moved) {
            throw new DispatchError(
              'gitops_push_rejected',
              `${pushTo} of ${spec.target.fullName} kept moving: the push was rejected ${PUSH_ATTEMPTS} times (${err.message}); it will be retried`,
            );
          }
          throw err;
        }
      }
      const commit = sameAsHead ? headSha : (await git(['rev-parse', 'HEAD'], { cwd: wt })).trim();
      const files = changed.map((f) => f.path);
      const changes = valueChanges(changed, flags.substitute);
      const done = {
        outcome: 'updated' as const,
        branch: pushTo,
        commit,
        files,
        images,
        args,
        changes,
        pushed: !sameAsHead,
      };
      if (!usePr) return done;
      const stat = parseNumstat(await git(['diff', '--numstat', baseSha, 'HEAD'], { cwd: wt }));
      const diff = await git(['diff', baseSha, 'HEAD'], { cwd: wt });
      const pr = await openOrUpdatePullRequest(provider, spec, {
        head,
        text: { gitRevision, images, changes, files: stat, diff, base },
      });
      return {
        ...done,
        prUrl: pr.url,
        prNumber: pr.number,
        ...(flags.mergePullRequest ? { mergeRequested: true } : {}),
      };
    } finally {
      await git(['worktree', 'remove', '--force', wt], { cwd: mirror }).catch(() => undefined);
      await rm(wt, { recursive: true, force: true });
    }
  }
}

/** The default head branch, or the one an earlier release named (no host) if only that one exists. */
async function adoptedHead(mirror: string, source: RepoId, envDir: string): Promise<string> {
  const head = defaultHead(source, envDir);
  if (await revParse(mirror, `refs/heads/${head}`)) return head;
  const legacy = legacyHead(source, envDir);
  return (await revParse(mirror, `refs/heads/${legacy}`)) ? legacy : head;
}

const treeOf = async (cwd: string, rev: string) => (await git(['rev-parse', `${rev}^{tree}`], { cwd })).trim();

/**
 * Nothing to change. If an open PR still carries an older push (its branch is ahead of the base),
 * say so on it: the newest push needs no change, so merging that PR would deploy an older one.
 */
async function upToDate(
  deps: ApplyDeps,
  spec: EnvUpdateSpec,
  o: { usePr: boolean; head: string; base: string; pushTo: string; ahead: boolean },
): Promise<ApplyResult> {
  if (!o.usePr) return { outcome: 'up-to-date', branch: o.pushTo };
  const provider = deps.providers.for(spec.target.host);
  const pr = await provider.findPullRequest(spec.target.fullName, o.head, o.base);
  if (pr && o.ahead) {
    await provider.comment(
      spec.target.fullName,
      pr.number,
      `dispatchd: the newest push, ${spec.source.fullName}@${spec.source.sha.slice(0, 7)}, needs no change: ${o.base} already matches it. This pull request carries an older push; close it rather than merge it.`,
    );
  }
  return { outcome: 'up-to-date', branch: o.pushTo, ...(pr ? { prUrl: pr.url } : {}) };
}

async function reportForeignCommits(deps: ApplyDeps, spec: EnvUpdateSpec, head: string, base: string): Promise<never> {
  const provider = deps.providers.for(spec.target.host);
  const message = `branch ${head} has commits dispatchd did not make; they are kept, and this update (${spec.source.fullName}@${spec.source.sha.slice(0, 7)}) was not applied. Move those changes to ${base} (or close the pull request and delete the branch), then push again.`;
  const pr = provider.kind === 'git' ? null : await provider.findPullRequest(spec.target.fullName, head, base);
  if (pr) await provider.comment(spec.target.fullName, pr.number, `dispatchd: ${message}`);
  throw new PermanentError('gitops_foreign_commits', message);
}
