import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DispatchdConfig } from '../config/schema.js';
import { DispatchError, PermanentError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import { revParse } from '../git/mirrors.js';
import { git } from '../git/run.js';
import { DIGEST_MARKER, type EnvUpdateSpec } from '../plan/spec.js';
import type { Providers } from '../scm/providers.js';
import { commitsWithTrailers, formatTrailers } from './commit-trailers.js';
import { parseUpdateGitopsFlags } from './flags.js';
import { openOrUpdatePullRequest } from './pull-request.js';
import { commitMessage } from './pr-text.js';
import { isContentChange, renderTree, writeRendered } from './render/index.js';
import { checkGrant } from './target.js';

export interface ApplyDeps {
  config: DispatchdConfig;
  providers: Providers;
  mirrors: Mirrors;
  resolveDigest: (ref: string) => Promise<string>;
}

export type ApplyResult =
  | { outcome: 'updated'; branch: string; commit: string; prUrl?: string; prNumber?: number; files: string[]; images: Record<string, string> }
  | { outcome: 'up-to-date'; branch: string; prUrl?: string }
  | { outcome: 'superseded'; branch: string; appliedSeq: number };

/** A push rejected because the branch moved is retried from a fresh fetch this many times. */
const PUSH_ATTEMPTS = 3;

/**
 * Applies one environment update: fetch the GitOps mirror, render the selected templates on top
 * of the base branch, and push one commit to the head branch (or the base with
 * -create-pull-request=false), then find, open or update the pull request.
 */
export async function applyUpdate(deps: ApplyDeps, envId: string, spec: EnvUpdateSpec): Promise<ApplyResult> {
  const images: Record<string, string> = {};
  const args: string[] = [];
  for (const a of spec.args) args.push(await replaceAsync(a, DIGEST_MARKER, async (name) => {
    const ref = spec.images[name];
    if (!ref) throw new PermanentError('image_unknown', `$(inputs.resources.${name}.digest): "${name}" is not an image resource`);
    const digest = await deps.resolveDigest(ref);
    images[name] = `${ref.replace(/:[^:/@]+$/, '')}@${digest}`;
    return digest;
  }));
  for (const [name, ref] of Object.entries(spec.images)) images[name] ??= ref;
  const flags = parseUpdateGitopsFlags(args);
  const provider = deps.providers.for(spec.target.host);
  const remote = await provider.gitRemote(spec.target.fullName);
  const gitRevision = flags.gitRevision ?? spec.source.sha;
  const usePr = flags.createPullRequest && provider.kind !== 'git';
  const base = spec.revision ?? await provider.defaultBranch(spec.target.fullName);
  const head = flags.branch ?? `dispatchd/${spec.source.fullName}/${spec.envDir || 'root'}`.replace(/\/+/g, '/');
  const pushTo = flags.createPullRequest ? head : base;

  for (let attempt = 1; ; attempt++) {
    const mirror = await deps.mirrors.fetch(remote);
    const baseSha = await revParse(mirror, `refs/heads/${base}`);
    if (!baseSha) throw new PermanentError('gitops_base_missing', `branch ${base} does not exist in ${spec.target.fullName}: set the git resource's revision param to an existing branch`);
    const headSha = flags.createPullRequest ? await revParse(mirror, `refs/heads/${head}`) : baseSha;
    const mine = headSha ? await commitsWithTrailers(mirror, flags.createPullRequest ? `${baseSha}..${headSha}` : headSha) : [];
    if (flags.createPullRequest && mine.some((c) => c.env !== envId)) {
      await reportForeignCommits(deps, spec, head, base);
    }
    const applied = mine.find((c) => c.env === envId)?.seq;
    if (applied !== undefined && applied >= spec.seq) return { outcome: 'superseded', branch: pushTo, appliedSeq: applied };

    const wt = await mkdtemp(join(deps.config.dataDir, 'work-'));
    try {
      await git(['worktree', 'add', '--quiet', '--detach', wt, baseSha], { cwd: mirror });
      const rendered = await renderTree({ root: wt, workingSubdir: spec.workingSubdir, ...(flags.filepath ? { filepath: flags.filepath } : {}), values: flags.substitute, gitRevision, source: `${spec.source.host}:${spec.source.fullName}` });
      const changed = rendered.filter(isContentChange);
      checkGrant(deps.config, { host: spec.source.host, fullName: spec.source.fullName }, spec.target, changed.map((f) => f.path));
      if (changed.length === 0) {
        const pr = usePr ? await provider.findPullRequest(spec.target.fullName, head, base) : null;
        return { outcome: 'up-to-date', branch: pushTo, ...(pr ? { prUrl: pr.url } : {}) };
      }
      await writeRendered(wt, changed);
      await git(['add', '--', ...changed.map((f) => f.path)], { cwd: wt });
      const message = `${commitMessage(spec, gitRevision, flags.commitMessage)}\n\n${formatTrailers({ env: envId, seq: spec.seq, source: `${spec.source.host}:${spec.source.fullName}`, commit: gitRevision })}\n`;
      const { name, email } = deps.config.committer;
      await git(['-c', `user.name=${name}`, '-c', `user.email=${email}`, 'commit', '--quiet', '--no-verify', '-F', '-'], { cwd: wt, input: message });
      const commit = (await git(['rev-parse', 'HEAD'], { cwd: wt })).trim();
      const stat = await git(['diff', '--stat', `${baseSha}..HEAD`], { cwd: wt });
      const diff = await git(['diff', `${baseSha}..HEAD`], { cwd: wt });
      const lease = flags.createPullRequest ? `--force-with-lease=refs/heads/${head}:${headSha ?? ''}` : '--no-force';
      try {
        await git(['push', '--quiet', lease, remote.url, `HEAD:refs/heads/${pushTo}`], { cwd: wt, remote });
      } catch (err) {
        if (attempt < PUSH_ATTEMPTS && err instanceof DispatchError && /rejected|stale info|fetch first|non-fast-forward/i.test(err.message)) continue;
        throw err;
      }
      const files = changed.map((f) => f.path);
      if (!usePr) return { outcome: 'updated', branch: pushTo, commit, files, images };
      const pr = await openOrUpdatePullRequest(provider, spec, { head, base, gitRevision, images, stat, diff, merge: flags.mergePullRequest });
      return { outcome: 'updated', branch: pushTo, commit, prUrl: pr.url, prNumber: pr.number, files, images };
    } finally {
      await git(['worktree', 'remove', '--force', wt], { cwd: mirror }).catch(() => undefined);
      await rm(wt, { recursive: true, force: true });
    }
  }
}

async function reportForeignCommits(deps: ApplyDeps, spec: EnvUpdateSpec, head: string, base: string): Promise<never> {
  const provider = deps.providers.for(spec.target.host);
  const message = `branch ${head} has commits dispatchd did not make; they are kept, and this update (${spec.source.fullName}@${spec.source.sha.slice(0, 7)}) was not applied. Move those changes to ${base} (or close the pull request and delete the branch), then push again.`;
  const pr = provider.kind === 'git' ? null : await provider.findPullRequest(spec.target.fullName, head, base);
  if (pr) await provider.comment(spec.target.fullName, pr.number, `dispatchd: ${message}`);
  throw new PermanentError('gitops_foreign_commits', message);
}

async function replaceAsync(text: string, re: RegExp, fn: (name: string) => Promise<string>): Promise<string> {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(new RegExp(re.source, 'g'))) {
    out += text.slice(last, m.index) + (await fn(m[1]!));
    last = (m.index ?? 0) + m[0].length;
  }
  return out + text.slice(last);
}
