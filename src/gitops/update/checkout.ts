import type { EnvUpdateSpec } from '../../core/env-update.js';
import { PermanentError } from '../../core/errors.js';
import { refsAt } from '../../git/mirrors.js';
import { readRefFiles } from '../../git/ref-files.js';
import type { ApplyDeps } from '../apply.js';
import { commitsAbove, lastCommitFor, type LoggedCommit } from '../commit-trailers.js';
import { mayMove, readTipEarly } from '../forward-only.js';
import { grantedRules } from '../grants.js';
import { reusableSince } from '../prefetch.js';
import { defaultHead, legacyHead } from '../head-branch.js';
import { reportForeignCommits } from './outcomes.js';
import type { PreparedUpdate } from './prepare.js';

/** Where the update starts from, in a freshly fetched mirror. */
export interface Checkout {
  mirror: string;
  baseSha: string;
  /** The head branch of the pull request (or the explicit -branch). */
  head: string;
  /** The branch the commit goes to: the head, or the base with -create-pull-request=false. */
  pushTo: string;
  /** The head branch's commit, null when it does not exist yet (the base without a PR). */
  headSha: string | null;
  /** That commit's tree when it was read with the refs (update/push.ts asks git otherwise). */
  headTree?: string;
  /** dispatchd's commits on the head branch, ahead of the base. */
  mine: LoggedCommit[];
  /**
   * The mirror is a fetch taken from the plan (src/gitops/prefetch.ts): it may predate a write
   * by another process. A push is guarded by its lease; a decision to push nothing is checked
   * again from a fetch of its own.
   */
  reused: boolean;
}

export type CheckoutOutcome =
  | { kind: 'ready'; checkout: Checkout }
  | { kind: 'superseded'; carried: string; branch: string }
  /** The cached default branch was gone and the SCM names another: check out again. */
  | { kind: 'base-moved' }
  /** Nothing to move (or foreign commits) seen in a reused fetch: check out again from a fetch of its own. */
  | { kind: 'stale' };

/**
 * Step 2: fetch the mirror, find the head branch and what the environment carries now, and decide
 * whether this update may move it (forward only, or an explicit rollback). `onBase` is called
 * with the base the mirror holds before the fetch (nearly always the base after it: a GitOps
 * base moves when a pull request merges, not with every push), then again with the fetched base
 * if that differs, before the forward-only check asks the SCM. Commits on the head branch that
 * dispatchd did not make stop the update (they are the reviewer's, and kept).
 */
export async function checkoutUpdate(
  deps: ApplyDeps,
  envId: string,
  spec: EnvUpdateSpec,
  p: PreparedUpdate,
  onBase: (mirror: string, baseSha: string) => void = () => undefined,
  /** The first round may start from the fetch its plan started (src/gitops/prefetch.ts); a retry fetches afresh. */
  mayReuse = true,
): Promise<CheckoutOutcome> {
  const source = deps.providers.for(spec.source.host);
  const earlyTip = readTipEarly(source, spec);
  const heads = {
    chosen: p.flags.branch,
    fresh: defaultHead(p.deployment.source, spec.envDir),
    legacy: legacyHead(p.deployment.source, spec.envDir),
  };
  // Only the branches read below: other teams' branches and tags cost this update no download.
  const branches = [p.base, heads.chosen, heads.fresh, heads.legacy].flatMap((b) => (b ? [b] : []));
  // The worktree of the base the mirror holds now is checked out while the fetch runs (push → PR
  // timeline, docs/benchmark.md); no mirror yet (the first update) or no such branch: after it.
  const held = deps.mirrors.dirFor(p.remote.url);
  const before = await readRefFiles(held, [`refs/heads/${p.base}`]).then(
    (m) => m?.get(`refs/heads/${p.base}`),
    () => undefined,
  );
  if (before) onBase(held, before);
  const { dir: mirror, reused } = await deps.mirrors.fetchFor(p.remote, {
    branches,
    ...(mayReuse ? { startedSince: reusableSince(spec.plannedAt ?? spec.receivedAt, Date.now()) } : {}),
  });
  // Base and head candidates: one git process for all of them.
  const at = await refsAt(
    mirror,
    branches.map((b) => `refs/heads/${b}`),
  );
  const shaOf = (branch: string) => at.get(`refs/heads/${branch}`)?.commit ?? null;
  const baseSha = shaOf(p.base);
  // The default branch came from a cache (scm/default-branch-cache.ts): asked again, once, when
  // the mirror no longer has it.
  if (!baseSha && !p.baseRefreshed) {
    p.baseRefreshed = true;
    deps.providers.forgetDefaultBranch(spec.target.host, spec.target.fullName);
    const fresh = await p.provider.defaultBranch(spec.target.fullName);
    if (fresh !== p.base) {
      p.base = fresh;
      p.baseBranch.name = fresh;
      grantedRules(deps.config, p.deployment, p.baseBranch);
      return { kind: 'base-moved' };
    }
  }
  if (!baseSha)
    throw new PermanentError(
      'gitops_base_missing',
      `branch ${p.base} does not exist in ${spec.target.fullName}: set the git resource's revision param to an existing branch`,
    );
  // The base is known: the caller checks it out (again, if it moved during the fetch) while the
  // trailers are read and the SCM answers the ancestry question.
  if (mirror !== held || baseSha !== before) onBase(mirror, baseSha);
  const withPr = p.flags.createPullRequest;
  // The default head branch, or the one an earlier release named (no host) if only that one exists.
  const head = heads.chosen ?? (shaOf(heads.fresh) || !shaOf(heads.legacy) ? heads.fresh : heads.legacy);
  const pushTo = withPr ? head : p.base;
  const headSha = withPr ? shaOf(head) : baseSha;
  const mine = withPr && headSha ? await commitsAbove(mirror, baseSha, headSha) : [];
  if (mine.some((c) => c.env !== envId)) {
    if (reused) return { kind: 'stale' };
    await reportForeignCommits(deps, spec, head, p.base);
  }
  const carried = mine.find((c) => c.env === envId)?.commit ?? (await lastCommitFor(mirror, baseSha, envId))?.commit;
  // A rollback is the operator's explicit move back; everything else only moves forward.
  const direction = spec.rollback ? ({ move: true } as const) : await mayMove(source, spec, carried, earlyTip);
  if (!direction.move)
    return reused ? { kind: 'stale' } : { kind: 'superseded', carried: direction.carried, branch: pushTo };
  const headTree = withPr ? at.get(`refs/heads/${head}`)?.tree : undefined;
  return {
    kind: 'ready',
    checkout: { mirror, baseSha, head, pushTo, headSha, ...(headTree ? { headTree } : {}), mine, reused },
  };
}
