import { deleteBranch } from '../common/git/bare-repo.js';
import { branchSha } from '../common/git/refs.js';
import { mergeBranches } from '../common/git/write-commit.js';
import { isoNow, type GitlabContext, type ProjectHandle } from './context.js';
import { notifyMergeRequest } from './notify.js';
import { gitlabError } from './shapes.js';
import type { MergeRequestRecord } from './store.js';

export interface MergeNow {
  message?: string;
  squash: boolean;
  removeSourceBranch: boolean;
  /** The user the merge is made as, and whether the merge call or auto-merge made it. */
  by: string;
  via: 'api' | 'auto-merge';
}

/**
 * Merges the source branch into the target in the bare repository and marks the MR merged:
 * what the merge call and auto-merge share. The caller checked state, mergeability and `sha`.
 */
export async function mergeNow(
  ctx: GitlabContext,
  p: ProjectHandle,
  mr: MergeRequestRecord,
  m: MergeNow,
): Promise<void> {
  const message =
    m.message ??
    `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request ${p.fullName}!${mr.iid}`;
  const outcome = await mergeBranches(
    p.dir,
    mr.targetBranch,
    `refs/heads/${mr.sourceBranch}`,
    message,
    m.squash ? 'squash' : 'merge',
  );
  if (!outcome.merged) throw gitlabError(422, 'Branch cannot be merged');
  mr.state = 'merged';
  mr.mergeCommitSha = outcome.sha;
  mr.mergedAt = isoNow(ctx);
  mr.updatedAt = mr.mergedAt;
  mr.mergedBy = m.by;
  mr.mergedVia = m.via;
  mr.autoMerge = null;
  notifyMergeRequest(ctx, ctx.hooks, p, mr, 'merge', m.by);
  if (m.removeSourceBranch && (await branchSha(p.dir, mr.sourceBranch)) !== null)
    await deleteBranch(p.dir, mr.sourceBranch);
}
