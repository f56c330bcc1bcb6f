import { deleteBranch } from '../../common/git/bare-repo.js';
import { branchSha } from '../../common/git/refs.js';
import { mergeBranches } from '../../common/git/write-commit.js';
import { isoNow, params, requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import {
  detailedMergeStatus,
  findMergeRequest,
  refreshMergeRequest,
  renderMergeRequest,
} from '../merge-request-view.js';
import { notifyMergeRequest } from '../notify.js';
import { gitlabError } from '../shapes.js';

/**
 * `PUT /projects/:id/merge_requests/:iid/merge` with GitLab's refusals: 405 when the MR is not
 * open, is a draft or is still being checked, 422 "Branch cannot be merged" on a conflict, 409 when `sha` is not the
 * head. With no pipelines here, `merge_when_pipeline_succeeds`/`auto_merge` merge at once, as
 * GitLab does for a project without a pipeline.
 */
export function mergeRoutes(ctx: GitlabContext): GitlabRoute[] {
  return [
    {
      method: 'PUT',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}/merge',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const mr = findMergeRequest(p, req.params.merge_request_iid);
        const b = params(req);
        await refreshMergeRequest(ctx, p, mr);
        const status = await detailedMergeStatus(ctx, p, mr);
        if (status === 'not_open' || status === 'draft_status' || status === 'checking')
          throw gitlabError(405, '405 Method Not Allowed');
        if (status !== 'mergeable') throw gitlabError(422, 'Branch cannot be merged');
        if (typeof b.sha === 'string' && b.sha !== mr.sha)
          throw gitlabError(409, `SHA does not match HEAD of source branch: ${mr.sha}`);
        const message =
          typeof b.merge_commit_message === 'string' && b.merge_commit_message !== ''
            ? b.merge_commit_message
            : `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request ${p.fullName}!${mr.iid}`;
        const outcome = await mergeBranches(
          p.dir,
          mr.targetBranch,
          `refs/heads/${mr.sourceBranch}`,
          message,
          b.squash === true ? 'squash' : 'merge',
        );
        if (!outcome.merged) throw gitlabError(422, 'Branch cannot be merged');
        mr.state = 'merged';
        mr.mergeCommitSha = outcome.sha;
        mr.mergedAt = isoNow(ctx);
        mr.updatedAt = mr.mergedAt;
        notifyMergeRequest(ctx, ctx.hooks, p, mr, 'merge', req.principal.username);
        if (b.should_remove_source_branch === true && (await branchSha(p.dir, mr.sourceBranch)) !== null) {
          await deleteBranch(p.dir, mr.sourceBranch);
        }
        return { status: 200, body: await renderMergeRequest(ctx, p, mr) };
      },
    },
  ];
}
