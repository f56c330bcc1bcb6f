import { mergeBranches, type MergeMethod } from '../../common/git/write-commit.js';
import { bodyObject, isoNow, requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { notifyPull } from '../notify.js';
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
        const title =
          typeof b.commit_title === 'string'
            ? b.commit_title
            : method === 'merge'
              ? `Merge pull request #${pull.number} from ${r.fullName.split('/')[0] ?? ''}/${pull.head}`
              : `${pull.title} (#${pull.number})`;
        const detail = typeof b.commit_message === 'string' ? b.commit_message : pull.title;
        const outcome = await mergeBranches(
          r.dir,
          pull.base,
          pull.headSha,
          `${title}\n\n${detail}`,
          method as MergeMethod,
        ).catch((e: unknown) => {
          // The base moved between our read and the ref update: GitHub says the same thing.
          throw githubError(409, `Base branch was modified. Review and try the merge again. (${String(e)})`);
        });
        if (!outcome.merged) throw githubError(405, 'Pull Request is not mergeable');
        const now = isoNow(ctx);
        Object.assign(pull, {
          state: 'closed',
          merged: true,
          mergedAt: now,
          closedAt: now,
          updatedAt: now,
          mergeCommitSha: outcome.sha,
          baseSha: outcome.sha,
        });
        await notifyPull(ctx, r, pull, 'closed', req.principal.login);
        return { status: 200, body: { sha: outcome.sha, merged: true, message: 'Pull Request successfully merged' } };
      },
    },
  ];
}
