import type { DispatchdConfig } from '../config/schema.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import { DispatchError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import { git } from '../git/run.js';
import type { Providers } from '../scm/providers.js';
import { checkFedByPush } from '../config/chains.js';
import { parseNumstat } from './pr-text.js';
import { openOrUpdatePullRequest } from './pull-request.js';
import { checkoutUpdate } from './update/checkout.js';
import { commitUpdate } from './update/commit.js';
import { discardWorktree, openWorktree, renderAndEdit, withWorktree, type Worktree } from './update/edit.js';
import { upToDate } from './update/outcomes.js';
import { prepareUpdate } from './update/prepare.js';
import { pushWithLease } from './update/push.js';
import type { ValueChange } from './value-changes.js';

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
      /** The pull request was opened by this update (else an open one was updated). */
      prOpened?: boolean;
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
 * Applies one environment update, in named steps (src/gitops/update/): prepare (digests, flags,
 * the granted base), check out (fresh mirror; forward only), render and edit in a worktree of
 * the base, commit with trailers, push with a lease, then find, open or update the pull request.
 * A push that loses a race with another writer starts again from a fresh fetch.
 */
export async function applyUpdate(deps: ApplyDeps, envId: string, spec: EnvUpdateSpec): Promise<ApplyResult> {
  checkFedByPush(deps.config, spec);
  const p = await prepareUpdate(deps, spec);
  // The first round may start from the fetch the plan started; every later one fetches afresh.
  let mayReuse = true;
  let rejected = 0;
  for (;;) {
    // The worktree of the base is checked out while the fetch runs and the forward-only check
    // waits on the SCM (push → PR timeline, docs/benchmark.md); opened again for a base that
    // moved during the fetch, and discarded if the checkout does not go on.
    let opening: Promise<Worktree> | undefined;
    const out = await checkoutUpdate(
      deps,
      envId,
      spec,
      p,
      (mirror, baseSha) => {
        void discardWorktree(opening);
        opening = openWorktree(deps, mirror, baseSha);
        opening.catch(() => undefined);
      },
      mayReuse,
    ).catch(async (err: unknown) => {
      await discardWorktree(opening);
      throw err;
    });
    mayReuse = false;
    if (out.kind !== 'ready') await discardWorktree(opening);
    if (out.kind === 'base-moved' || out.kind === 'stale') continue;
    if (out.kind === 'superseded') return { outcome: 'superseded', branch: out.branch, carried: out.carried };
    const c = out.checkout;
    const result = await withWorktree(opening ?? openWorktree(deps, c.mirror, c.baseSha), async (wt) => {
      // A refusal from a taken fetch (a template a newer commit fixed) is checked from a fresh one.
      const edited = await renderAndEdit(wt, deps, spec, p).catch((err: unknown) => {
        if (c.reused) return 'stale' as const;
        throw err;
      });
      if (edited === 'stale') return { again: 'stale' as const };
      if (edited.changed.length === 0) {
        // Pushing nothing has no lease to catch a mirror that missed a write: asked again.
        if (c.reused) return { again: 'stale' as const };
        const ahead = c.headSha !== null && c.mine.length > 0;
        return upToDate(deps, spec, { usePr: p.usePr, head: c.head, base: p.base, pushTo: c.pushTo, ahead });
      }
      await commitUpdate(wt, deps.config, envId, spec, p, edited);
      // The PR text needs only the local commit: its two diffs are read while the push is on the
      // wire instead of after it (push → PR timeline, docs/benchmark.md). Read-only, so a push
      // that loses its race just leaves them unused.
      const prDiff = p.usePr ? readPrDiff(wt, c.baseSha) : undefined;
      prDiff?.catch(() => undefined);
      // The head branch's open pull request is looked up while the push is on the wire too.
      const prFound = p.usePr ? p.provider.pulls?.findPullRequest(spec.target.fullName, c.head, p.base) : undefined;
      prFound?.catch(() => undefined);
      const pushed = await deps.mirrors.writing(p.remote, () => pushWithLease(wt, p, c));
      if (pushed.kind === 'moved') return { again: 'moved' as const, reason: pushed.reason };
      if (pushed.kind === 'same-as-head' && c.reused) return { again: 'stale' as const };
      const done = {
        outcome: 'updated' as const,
        branch: c.pushTo,
        commit: pushed.kind === 'pushed' ? pushed.commit : c.headSha!,
        files: edited.changed.map((f) => f.path),
        images: p.images,
        args: p.args,
        changes: edited.changes,
        pushed: pushed.kind === 'pushed',
      };
      // usePr holds only where the host has pull requests.
      if (!p.usePr || !p.provider.pulls) return done;
      const { stat, diff } = await prDiff!;
      const pr = await openOrUpdatePullRequest(p.provider.pulls, spec, {
        head: c.head,
        ...(prFound ? { found: prFound } : {}),
        text: {
          gitRevision: p.gitRevision,
          images: p.images,
          changes: edited.changes,
          files: stat,
          diff,
          base: p.base,
        },
      });
      return {
        ...done,
        prUrl: pr.url,
        prNumber: pr.number,
        prOpened: pr.opened,
        ...(p.flags.mergePullRequest ? { mergeRequested: true } : {}),
      };
    });
    if (!('again' in result)) return result;
    if (result.again === 'moved' && ++rejected >= PUSH_ATTEMPTS)
      throw new DispatchError(
        'gitops_push_rejected',
        `${c.pushTo} of ${spec.target.fullName} kept moving: the push was rejected ${PUSH_ATTEMPTS} times (${result.reason}); it will be retried`,
      );
  }
}

/**
 * The numstat and the patch of the worktree's commit against the base, for the PR text: one git
 * process (it runs beside the push, on the same CPUs). `--numstat -p` prints the numstat lines,
 * one blank line, then the patch.
 */
async function readPrDiff(
  wt: string,
  baseSha: string,
): Promise<{ stat: ReturnType<typeof parseNumstat>; diff: string }> {
  const out = await git(['diff', '--numstat', '-p', baseSha, 'HEAD'], { cwd: wt });
  const gap = out.indexOf('\n\n');
  return gap < 0
    ? { stat: parseNumstat(out), diff: '' }
    : { stat: parseNumstat(out.slice(0, gap)), diff: out.slice(gap + 2) };
}
