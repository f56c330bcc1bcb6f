import { params, requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { headPipeline } from '../auto-merge.js';
import { mergeNow } from '../merge-now.js';
import {
  detailedMergeStatus,
  findMergeRequest,
  refreshMergeRequest,
  renderMergeRequest,
} from '../merge-request-view.js';
import { gitlabError } from '../shapes.js';

const truthy = (v: unknown) => v === true || v === 'true';

/**
 * `PUT /projects/:id/merge_requests/:iid/merge` with GitLab's refusals: 405 when the MR is not
 * open, is a draft or is still being checked, 422 "Branch cannot be merged" on a conflict, 409
 * when `sha` is not the head. With `auto_merge` (or its older name `merge_when_pipeline_succeeds`)
 * and a head pipeline still running or pending, auto-merge is set and the MR merges when that
 * pipeline succeeds (auto-merge.ts); a failed pipeline refuses with 405; with no pipeline, or a
 * successful one, it merges at once, as GitLab does for a project that does not require one.
 * `POST .../cancel_merge_when_pipeline_succeeds` takes auto-merge back (406 when none is set).
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
        const squash = truthy(b.squash);
        if (truthy(b.auto_merge) || truthy(b.merge_when_pipeline_succeeds)) {
          const pipeline = headPipeline(p, mr);
          if (pipeline === 'failed' || pipeline === 'canceled') throw gitlabError(405, '405 Method Not Allowed');
          if (pipeline === 'running' || pipeline === 'pending') {
            mr.autoMerge = { user: req.principal.username, squash };
            return { status: 200, body: await renderMergeRequest(ctx, p, mr) };
          }
        }
        await mergeNow(ctx, p, mr, {
          ...(typeof b.merge_commit_message === 'string' && b.merge_commit_message !== ''
            ? { message: b.merge_commit_message }
            : {}),
          squash,
          removeSourceBranch: truthy(b.should_remove_source_branch),
          by: req.principal.username,
          via: 'api',
        });
        return { status: 200, body: await renderMergeRequest(ctx, p, mr) };
      },
    },
    {
      method: 'POST',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}/cancel_merge_when_pipeline_succeeds',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const mr = findMergeRequest(p, req.params.merge_request_iid);
        await refreshMergeRequest(ctx, p, mr);
        if (mr.state !== 'opened') throw gitlabError(405, '405 Method Not Allowed');
        if (!mr.autoMerge) throw gitlabError(406, "Can't cancel the automatic merge");
        mr.autoMerge = null;
        return { status: 201, body: await renderMergeRequest(ctx, p, mr) };
      },
    },
  ];
}
