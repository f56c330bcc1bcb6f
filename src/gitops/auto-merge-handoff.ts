import type { CommitStatus, PullRequestApi } from '../scm/contracts.js';
import type { MergeJob } from '../queue/jobs.js';

export type HandOff =
  /** The SCM took the request: it merges once its own rules pass; dispatchd keeps watching. */
  | { autoMerge: 'on' }
  /** The SCM refused it (auto-merge off for the repository, the PR already mergeable...): dispatchd merges. */
  | { autoMerge: 'off'; reason: string }
  /**
   * Not handed over: the SCM would not wait for `uncovered`. Any auto-merge left on the PR (from
   * an older head, or set by hand) was taken back; asked again at the next look.
   */
  | { autoMerge: 'withheld'; uncovered: string[] }
  /** Nothing to do: native merges are off, the SCM has none, or this job already decided. */
  | { autoMerge: undefined };

/**
 * Whether to hand a pending merge to the SCM's auto-merge, and doing so. The SCM decides only by
 * its own rules (GitHub: branch protection's required checks; GitLab: the head pipeline), so the
 * request is handed over only when every context the grant requires is among those the SCM
 * enforces; otherwise dispatchd keeps merging itself, and asks again at its next look (on GitLab
 * a required context joins the pipeline once it reports). Enabled at most once per job.
 */
export async function handOff(
  pulls: PullRequestApi,
  job: MergeJob,
  base: string,
  checks: CommitStatus[],
): Promise<HandOff> {
  if (!job.native || job.autoMerge === 'on' || job.autoMerge === 'off' || pulls.autoMerge === undefined)
    return { autoMerge: undefined };
  const enforced = new Set(await pulls.autoMerge.enforced(job.repo, base, checks));
  const uncovered = job.requiredChecks.filter((c) => !enforced.has(c));
  if (uncovered.length > 0) {
    // GitHub keeps auto-merge on through a push: one set for an older head must not merge this one.
    if (job.autoMerge === undefined) await pulls.autoMerge.disable(job.repo, job.number);
    return { autoMerge: 'withheld', uncovered };
  }
  const answer = await pulls.autoMerge.enable(job.repo, job.number, { method: job.method, sha: job.headSha });
  return answer.enabled ? { autoMerge: 'on' } : { autoMerge: 'off', reason: answer.reason };
}
