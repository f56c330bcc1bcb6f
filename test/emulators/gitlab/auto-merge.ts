import type { GitlabContext, ProjectHandle } from './context.js';
import { detailedMergeStatus, refreshMergeRequest } from './merge-request-view.js';
import { mergeNow } from './merge-now.js';
import { pipelineStatus } from './pipelines.js';
import type { MergeRequestRecord } from './store.js';

/**
 * The MR's head pipeline status: the newest status per name on its head commit, for its source
 * branch (a status posted without a ref is taken as the branch's, where GitLab puts it). Each
 * external status joins that pipeline, so its status is their aggregate.
 */
export function headPipeline(p: ProjectHandle, mr: MergeRequestRecord): ReturnType<typeof pipelineStatus> {
  const latest = new Map<string, { state: string }>();
  for (const s of p.state.statuses)
    if (s.sha === mr.sha && (s.ref === null || s.ref === mr.sourceBranch)) latest.set(s.name, { state: s.status });
  return pipelineStatus([...latest.values()]);
}

/**
 * GitLab's side of auto-merge, after a status on `sha`: an MR set to auto-merge whose head is
 * `sha` merges when its head pipeline succeeds, as the user who set it. A failed pipeline leaves
 * auto-merge set (GitLab docs: a retried job that succeeds still merges it); new commits cancel
 * it (refreshMergeRequest).
 */
export async function settleAutoMerge(ctx: GitlabContext, p: ProjectHandle, sha: string): Promise<void> {
  for (const mr of p.state.mergeRequests) {
    if (mr.state !== 'opened' || !mr.autoMerge) continue;
    await refreshMergeRequest(ctx, p, mr);
    const auto = mr.autoMerge;
    if (!auto || mr.sha !== sha || headPipeline(p, mr) !== 'success') continue;
    if ((await detailedMergeStatus(ctx, p, mr)) !== 'mergeable') continue;
    await mergeNow(ctx, p, mr, {
      squash: auto.squash,
      removeSourceBranch: false,
      by: auto.user,
      via: 'auto-merge',
    }).catch(() => undefined);
  }
}
