import type { OnGitopsEvent } from '../core/gitops-events.js';
import type { MergeJob } from '../queue/jobs.js';
import type { Providers } from '../scm/providers.js';
import { checkVerdict, describeFailed } from './check-verdict.js';

export interface MergeStepDeps {
  providers: Providers;
  onGitopsEvent: OnGitopsEvent;
  now: () => number;
}

export type MergeStep =
  | { outcome: 'merged'; mergeSha?: string }
  /** Merged or closed by someone else: nothing left to do. */
  | { outcome: 'not-open'; state: 'merged' | 'closed' }
  /** The head moved on: the newer head has a job of its own. */
  | { outcome: 'superseded'; head: string | null }
  | { outcome: 'failed'; failed: string }
  | { outcome: 'timed-out'; waiting: string[] }
  | { outcome: 'wait'; waiting: string[] };

const short = (sha: string) => sha.slice(0, 7);

/**
 * One look at a pull request waiting to be merged: merge it if the checks on the head commit
 * that was asked for all passed (and every required one reported), comment and stop on a failed
 * check or once `timeoutMs` has passed, else say to look again. The merge names the head commit
 * (where the SCM takes it), so a push racing the merge is never merged unchecked.
 */
export async function mergeStep(deps: MergeStepDeps, job: MergeJob): Promise<MergeStep> {
  const scm = deps.providers.for(job.host);
  const pr = await scm.getPullRequest(job.repo, job.number);
  if (pr.state !== 'open') return { outcome: 'not-open', state: pr.state };
  const tip = await scm.refTip(job.repo, `refs/heads/${pr.head}`);
  if (tip !== job.headSha) return { outcome: 'superseded', head: tip };
  const verdict = checkVerdict(await scm.commitChecks(job.repo, job.headSha), job.requiredChecks);
  if (verdict.verdict === 'failed') {
    const failed = describeFailed(verdict.failed);
    await scm.comment(
      job.repo,
      job.number,
      `dispatchd: not merging ${short(job.headSha)}: ${failed}. The pull request stays open; a push that updates it asks again.`,
    );
    return { outcome: 'failed', failed };
  }
  if (verdict.verdict === 'pending') {
    if (deps.now() - job.since < job.timeoutMs) return { outcome: 'wait', waiting: verdict.waiting };
    await scm.comment(
      job.repo,
      job.number,
      `dispatchd: not merging ${short(job.headSha)}: still waiting for ${verdict.waiting.map((w) => `\`${w}\``).join(', ')} after ${Math.round(job.timeoutMs / 60_000)} min (merge.timeout). Merge it by hand once they pass, or push again to ask anew.`,
    );
    return { outcome: 'timed-out', waiting: verdict.waiting };
  }
  await scm.mergePullRequest(job.repo, job.number, { method: job.method, sha: job.headSha });
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
    by: 'dispatchd',
  });
  return { outcome: 'merged', ...(mergeSha ? { mergeSha } : {}) };
}
