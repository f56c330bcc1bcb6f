import { revParse } from '../common/git/bare-repo.js';
import type { CloudContext, RepoHandle } from './context.js';
import { bitbucketError } from './shapes.js';
import type { PullRecord } from './store.js';

export function findPull(r: RepoHandle, id: string | undefined): PullRecord {
  const pull = r.state.pulls.find((p) => String(p.id) === id);
  if (pull === undefined) throw bitbucketError(404, `Pull request ${id ?? ''} not found`);
  return pull;
}

/** Re-reads the branch tips of an open PR, as Bitbucket shows the live source commit. */
export async function refreshPull(r: RepoHandle, pull: PullRecord): Promise<void> {
  if (pull.state !== 'OPEN') return;
  pull.sourceHash = (await revParse(r.dir, `refs/heads/${pull.source}`)) ?? pull.sourceHash;
  pull.destinationHash = (await revParse(r.dir, `refs/heads/${pull.destination}`)) ?? pull.destinationHash;
}

/** The `pullrequest` object as Bitbucket Cloud renders it (commit hashes are 12 characters). */
export async function renderPull(ctx: CloudContext, r: RepoHandle, pull: PullRecord): Promise<Record<string, unknown>> {
  await refreshPull(r, pull);
  const [workspace = '', slug = ''] = r.fullName.split('/');
  const repository = {
    type: 'repository',
    full_name: r.fullName,
    name: slug,
    uuid: r.state.uuid,
    links: { html: { href: `${ctx.base.url}/${r.fullName}` } },
  };
  const endpoint = (branch: string, hash: string) => ({
    branch: { name: branch },
    commit: { type: 'commit', hash: hash.slice(0, 12) },
    repository,
  });
  const api = `${ctx.base.apiUrl}/repositories/${r.fullName}/pullrequests/${pull.id}`;
  return {
    type: 'pullrequest',
    id: pull.id,
    title: pull.title,
    description: pull.description,
    summary: { type: 'rendered', raw: pull.description, markup: 'markdown', html: `<p>${pull.description}</p>` },
    state: pull.state,
    author: { type: 'user', display_name: pull.author, nickname: workspace },
    source: endpoint(pull.source, pull.sourceHash),
    destination: endpoint(pull.destination, pull.destinationHash),
    merge_commit: pull.mergeCommit === null ? null : { type: 'commit', hash: pull.mergeCommit.slice(0, 12) },
    close_source_branch: pull.closeSourceBranch,
    comment_count: r.state.comments.filter((c) => c.pullRequestId === pull.id).length,
    task_count: 0,
    reason: '',
    created_on: pull.createdOn,
    updated_on: pull.updatedOn,
    links: {
      self: { href: api },
      html: { href: `${ctx.base.url}/${r.fullName}/pull-requests/${pull.id}` },
      comments: { href: `${api}/comments` },
      merge: { href: `${api}/merge` },
      statuses: { href: `${api}/statuses` },
    },
  };
}
