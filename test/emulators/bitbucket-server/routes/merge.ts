import { mergeBranches, type MergeMethod } from '../../common/git/write-commit.js';
import { bodyObject, REPO, requireRepo, type ServerContext, type ServerRoute } from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull, refreshPull, renderPull } from '../pull-view.js';
import { serverError } from '../shapes.js';
import { checkVersion } from './pulls.js';

// The strategy ids Bitbucket Server documents, on what the rig can do (ff variants merge when they can).
const STRATEGIES: Record<string, MergeMethod> = {
  'no-ff': 'merge',
  ff: 'merge',
  'ff-only': 'merge',
  squash: 'squash',
  'squash-ff-only': 'squash',
  'rebase-no-ff': 'rebase',
  'rebase-ff-only': 'rebase',
};

/** POST merge?version= (really merges the source into the target branch of the bare repository) and decline. */
export function mergeRoutes(ctx: ServerContext): ServerRoute[] {
  return [
    {
      method: 'POST',
      pattern: `${REPO}/pull-requests/{pullRequestId}/merge`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pullRequestId);
        checkVersion(pull, req.query.get('version') ?? undefined);
        if (pull.state !== 'OPEN')
          throw serverError(
            409,
            `This pull request is ${pull.state.toLowerCase()} and cannot be merged.`,
            'com.atlassian.bitbucket.pull.IllegalPullRequestStateException',
          );
        const strategyId = bodyObject(req).strategyId;
        const method = typeof strategyId === 'string' ? STRATEGIES[strategyId] : 'merge';
        if (method === undefined)
          throw serverError(
            400,
            `Merge strategy "${String(strategyId)}" is not enabled for this repository.`,
            'com.atlassian.bitbucket.scm.MergeStrategyDisabledException',
          );
        await refreshPull(r, pull);
        const message = `Merge pull request #${pull.id} in ${r.key}/${r.slug} from ${pull.fromRef.replace(/^refs\/heads\//, '')} to ${pull.toRef.replace(/^refs\/heads\//, '')}\n\n${pull.title}`;
        const outcome = await mergeBranches(
          r.dir,
          pull.toRef.replace(/^refs\/heads\//, ''),
          pull.fromCommit,
          message,
          method,
        ).catch((e: unknown) => {
          throw serverError(
            409,
            `The target branch moved during the merge; try again. (${String(e)})`,
            'com.atlassian.bitbucket.pull.PullRequestMergeVetoedException',
          );
        });
        if (!outcome.merged) {
          throw serverError(
            409,
            'The pull request has conflicts and cannot be merged.',
            'com.atlassian.bitbucket.pull.PullRequestMergeVetoedException',
            {
              vetoes: [
                {
                  summaryMessage: 'Merge conflicts',
                  detailedMessage: 'Resolve the conflicts between the branches before merging.',
                },
              ],
            },
          );
        }
        Object.assign(pull, {
          state: 'MERGED',
          toCommit: outcome.sha,
          version: pull.version + 1,
          updatedDate: ctx.now(),
        });
        await notifyPull(ctx, ctx.hooks, r, pull, 'pr:merged', req.principal.name, { mergeCommit: outcome.sha });
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
    {
      // Declining closes without merging (pr:declined); like merge it needs the current version.
      method: 'POST',
      pattern: `${REPO}/pull-requests/{pullRequestId}/decline`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pullRequestId);
        checkVersion(pull, req.query.get('version') ?? bodyObject(req).version);
        if (pull.state !== 'OPEN')
          throw serverError(
            409,
            `This pull request is ${pull.state.toLowerCase()} and cannot be declined.`,
            'com.atlassian.bitbucket.pull.IllegalPullRequestStateException',
          );
        await refreshPull(r, pull);
        Object.assign(pull, { state: 'DECLINED', version: pull.version + 1, updatedDate: ctx.now() });
        await notifyPull(ctx, ctx.hooks, r, pull, 'pr:declined', req.principal.name);
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
  ];
}
