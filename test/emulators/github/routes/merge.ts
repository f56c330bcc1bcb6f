import type { MergeMethod } from '../../common/git/write-commit.js';
import { bodyObject, requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { mergePull } from '../merge-pull.js';
import { unmetRequiredChecks } from './branches.js';
import { findPull, refreshPull } from '../pull-view.js';
import { githubError, validationFailed } from '../shapes.js';

const METHODS: readonly string[] = ['merge', 'squash', 'rebase'];

/** PUT merge: really merges the head branch into the base branch of the bare repository. */
export function mergeRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'PUT',
      pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_number);
        const b = bodyObject(req);
        const method = b.merge_method ?? 'merge';
        if (typeof method !== 'string' || !METHODS.includes(method)) {
          throw validationFailed({ resource: 'PullRequest', field: 'merge_method', code: 'invalid' });
        }
        if (pull.state !== 'open') throw githubError(405, 'Pull Request is not mergeable');
        await refreshPull(r, pull);
        if (typeof b.sha === 'string' && b.sha !== pull.headSha) {
          throw githubError(409, 'Head branch was modified. Review and try the merge again.');
        }
        // Branch protection: GitHub refuses the merge while a required check has not passed.
        const unmet = unmetRequiredChecks(r.state, pull.base, pull.headSha);
        if (unmet.length > 0) throw githubError(405, `Required status check "${unmet[0]}" is expected.`);
        const sha = await mergePull(ctx, r, pull, {
          method: method as MergeMethod,
          ...(typeof b.commit_title === 'string' ? { title: b.commit_title } : {}),
          ...(typeof b.commit_message === 'string' ? { detail: b.commit_message } : {}),
          by: req.principal.login,
          via: 'api',
        });
        return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
      },
    },
  ];
}
