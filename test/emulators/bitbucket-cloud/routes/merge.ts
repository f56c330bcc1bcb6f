import { mergeBranches, type MergeMethod } from '../../common/git/write-commit.js';
import { bodyObject, requireRepo, timestamp, type CloudContext, type CloudRoute } from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull, refreshPull, renderPull } from '../pull-view.js';
import { bitbucketError } from '../shapes.js';

// Bitbucket's strategies mapped onto what the rig can do; fast_forward is a merge that fails on divergence.
const STRATEGIES: Record<string, MergeMethod> = {
  merge_commit: 'merge',
  squash: 'squash',
  fast_forward: 'merge',
  squash_fast_forward: 'squash',
  rebase_fast_forward: 'rebase',
  rebase_merge: 'rebase',
};

/** POST merge (really merges the source branch into the destination of the bare repository) and decline. */
export function mergeRoutes(ctx: CloudContext): CloudRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/merge',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_request_id);
        if (pull.state !== 'OPEN')
          throw bitbucketError(400, `You can't merge a pull request that is ${pull.state.toLowerCase()}.`);
        const b = bodyObject(req);
        const strategy = typeof b.merge_strategy === 'string' ? b.merge_strategy : 'merge_commit';
        const method = STRATEGIES[strategy];
        if (method === undefined) throw bitbucketError(400, `merge_strategy: "${strategy}" is not a valid choice.`);
        await refreshPull(r, pull);
        const message =
          typeof b.message === 'string'
            ? b.message
            : `Merged in ${pull.source} (pull request #${pull.id})\n\n${pull.title}`;
        const outcome = await mergeBranches(r.dir, pull.destination, pull.sourceHash, message, method).catch(
          (e: unknown) => {
            throw bitbucketError(409, `The destination branch moved during the merge; try again. (${String(e)})`);
          },
        );
        if (!outcome.merged) throw bitbucketError(400, 'This pull request has conflicts and cannot be merged.');
        Object.assign(pull, {
          state: 'MERGED',
          mergeCommit: outcome.sha,
          destinationHash: outcome.sha,
          updatedOn: timestamp(ctx),
        });
        if (pull.closeSourceBranch) await ctx.git.deleteBranch(r.fullName, pull.source);
        await notifyPull(ctx, ctx.hooks, r, pull, 'pullrequest:fulfilled', req.principal.displayName);
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
    {
      // Declining closes without merging; Bitbucket calls the event pullrequest:rejected.
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/decline',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_request_id);
        if (pull.state !== 'OPEN')
          throw bitbucketError(400, `You can't decline a pull request that is ${pull.state.toLowerCase()}.`);
        await refreshPull(r, pull);
        Object.assign(pull, { state: 'DECLINED', updatedOn: timestamp(ctx) });
        await notifyPull(ctx, ctx.hooks, r, pull, 'pullrequest:rejected', req.principal.displayName);
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
  ];
}
