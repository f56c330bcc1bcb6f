import { mergeBranches, type MergeMethod } from '../common/git/write-commit.js';
import { isoNow, type GithubContext, type RepoHandle } from './context.js';
import { notifyPull } from './notify.js';
import { githubError } from './shapes.js';
import type { PullRecord } from './store.js';

export interface MergeRequest {
  method: MergeMethod;
  title?: string;
  detail?: string;
  /** The login the merge is made as, and whether the REST call or auto-merge made it. */
  by: string;
  via: 'api' | 'auto-merge';
}

/**
 * Merges the PR's head into its base in the bare repository, marks it merged and sends the
 * `pull_request` closed webhook: what the REST merge call and auto-merge share. Throws GitHub's
 * 405/409 when it cannot. The caller checked state, head and branch protection.
 */
export async function mergePull(ctx: GithubContext, r: RepoHandle, pull: PullRecord, m: MergeRequest): Promise<string> {
  const title =
    m.title ??
    (m.method === 'merge'
      ? `Merge pull request #${pull.number} from ${r.fullName.split('/')[0] ?? ''}/${pull.head}`
      : `${pull.title} (#${pull.number})`);
  const outcome = await mergeBranches(
    r.dir,
    pull.base,
    pull.headSha,
    `${title}\n\n${m.detail ?? pull.title}`,
    m.method,
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
    mergedBy: m.by,
    mergedVia: m.via,
    autoMerge: null,
  });
  await notifyPull(ctx, r, pull, 'closed', m.by);
  return outcome.sha;
}
