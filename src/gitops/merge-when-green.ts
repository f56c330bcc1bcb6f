import type { CommitStatus } from '../core/commit-status.js';
import type { OnGitopsEvent } from '../core/gitops-events.js';
import type { MergeJob } from '../queue/jobs.js';
import { pullsOf } from '../scm/pull-request-part.js';
import type { Providers } from '../scm/providers.js';
import type { PullRequest, ScmProvider } from '../scm/contracts.js';
import { handOff } from './auto-merge-handoff.js';
import { checkVerdict, describeFailed } from './check-verdict.js';

export interface MergeStepDeps {
  providers: Providers;
  onGitopsEvent: OnGitopsEvent;
  now: () => number;
  /**
   * Told the checks each look read on the open PR's head, so the environments view (which may
   * not ask the SCM) shows them where the SCM sends no status webhooks.
   */
  sawChecks?: (job: MergeJob, checks: CommitStatus[]) => Promise<void>;
}

export type MergeStep =
  /** Merged by dispatchd, or by the SCM's auto-merge it handed the request to. */
  | { outcome: 'merged'; by: 'dispatchd' | 'auto-merge'; mergeSha?: string }
  /** Merged or closed by someone else: nothing left to do. */
  | { outcome: 'not-open'; state: 'merged' | 'closed' }
  /** The head moved on: the newer head has a job of its own. */
  | { outcome: 'superseded'; head: string | null }
  | { outcome: 'failed'; failed: string }
  | { outcome: 'timed-out'; waiting: string[] }
  /** The checks passed and the SCM's auto-merge has the request; it has not merged by merge.timeout. */
  | { outcome: 'handed-off' }
  /** Look again later; `autoMerge` is the job's new hand-off state when it changed. */
  | {
      outcome: 'wait';
      waiting: string[];
      autoMerge?: 'on' | 'off' | 'withheld';
      /** Contexts the SCM would not wait for (withheld), or why it refused (off). */
      uncovered?: string[];
      refusal?: string;
    };

const short = (sha: string) => sha.slice(0, 7);
const minutes = (ms: number) => Math.round(ms / 60_000);

/**
 * One look at a pull request waiting to be merged: merge it if the checks on the head commit
 * that was asked for all passed (and every required one reported), comment and stop on a failed
 * check or once `timeoutMs` has passed, else say to look again. The merge names the head commit
 * (where the SCM takes it), so a push racing the merge is never merged unchecked. While checks
 * are pending the request may be handed to the SCM's own auto-merge (auto-merge-handoff.ts);
 * dispatchd keeps looking, takes it back on a failed check or a timeout, and reports the merge.
 */
export async function mergeStep(deps: MergeStepDeps, job: MergeJob): Promise<MergeStep> {
  const scm = deps.providers.for(job.host);
  const pulls = pullsOf(scm, job.host);
  const on = job.autoMerge === 'on';
  const pr = await pulls.getPullRequest(job.repo, job.number);
  const tip = pr.state === 'open' || on ? await scm.refTip(job.repo, `refs/heads/${pr.head}`) : null;
  // Auto-merge survives a push on GitHub: a merge of a newer head is that head's job to report.
  if (pr.state === 'merged' && on && (tip === null || tip === job.headSha))
    return { outcome: 'merged', by: 'auto-merge', ...(await merged(deps, scm, job, pr)) };
  if (pr.state !== 'open') return { outcome: 'not-open', state: pr.state };
  if (tip !== job.headSha) return { outcome: 'superseded', head: tip };
  // The base branch's own required checks (GitHub branch protection) count beside the grant's.
  const required = [...new Set([...job.requiredChecks, ...((await pulls.requiredChecks?.(job.repo, pr.base)) ?? [])])];
  const checks = await scm.commitChecks(job.repo, job.headSha);
  await deps.sawChecks?.(job, checks);
  const verdict = checkVerdict(checks, required);
  const timedOut = deps.now() - job.since >= job.timeoutMs;
  if (verdict.verdict === 'failed') {
    const failed = describeFailed(verdict.failed);
    if (on) await pulls.autoMerge?.disable(job.repo, job.number);
    await pulls.comment(
      job.repo,
      job.number,
      `dispatchd: not merging ${short(job.headSha)}: ${failed}. The pull request stays open; a push that updates it asks again.`,
    );
    return { outcome: 'failed', failed };
  }
  if (verdict.verdict === 'pending') {
    if (!timedOut) {
      const h = await handOff(pulls, job, pr.base, checks);
      return {
        outcome: 'wait',
        waiting: verdict.waiting,
        ...(h.autoMerge ? { autoMerge: h.autoMerge } : {}),
        ...(h.autoMerge === 'withheld' ? { uncovered: h.uncovered } : {}),
        ...(h.autoMerge === 'off' ? { refusal: h.reason } : {}),
      };
    }
    if (on) await pulls.autoMerge?.disable(job.repo, job.number);
    await pulls.comment(
      job.repo,
      job.number,
      `dispatchd: not merging ${short(job.headSha)}: still waiting for ${verdict.waiting.map((w) => `\`${w}\``).join(', ')} ` +
        `after ${minutes(job.timeoutMs)} min (merge.timeout). Merge it by hand once they pass, or push again to ask anew.`,
    );
    return { outcome: 'timed-out', waiting: verdict.waiting };
  }
  if (on) {
    // Green, and the SCM has the request: it merges (or queues) it by its own rules.
    if (!timedOut) return { outcome: 'wait', waiting: [] };
    await pulls.comment(
      job.repo,
      job.number,
      `dispatchd: the checks on ${short(job.headSha)} passed, but the SCM's auto-merge has not merged it after ` +
        `${minutes(job.timeoutMs)} min (merge.timeout): it also waits for what the branch's rules require (reviews, a merge queue). ` +
        'Auto-merge stays on.',
    );
    return { outcome: 'handed-off' };
  }
  await pulls.mergePullRequest(job.repo, job.number, { method: job.method, sha: job.headSha });
  return { outcome: 'merged', by: 'dispatchd', ...(await merged(deps, scm, job, pr)) };
}

/** Says the merge to `onGitopsEvent`; `mergeSha` is the base branch's tip read just after it. */
async function merged(
  deps: MergeStepDeps,
  scm: ScmProvider,
  job: MergeJob,
  pr: PullRequest,
): Promise<{ mergeSha?: string }> {
  const mergeSha = (await scm.refTip(job.repo, `refs/heads/${pr.base}`)) ?? undefined;
  await deps.onGitopsEvent({
    type: 'pull-request',
    action: 'merged',
    host: job.host,
    repo: job.repo,
    number: job.number,
    head: pr.head,
    base: pr.base,
    headSha: job.headSha,
    ...(mergeSha ? { mergeSha } : {}),
    by: job.autoMerge === 'on' ? 'auto-merge' : 'dispatchd',
  });
  return mergeSha ? { mergeSha } : {};
}
