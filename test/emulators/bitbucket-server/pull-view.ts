import { revParse } from '../common/git/bare-repo.js';
import type { RepoHandle, ServerContext } from './context.js';
import { serverError } from './shapes.js';
import type { PullRecord } from './store.js';

export function findPull(r: RepoHandle, id: string | undefined): PullRecord {
  const pull = r.state.pulls.find((p) => String(p.id) === id);
  if (pull === undefined)
    throw serverError(
      404,
      `No pull request exists with ID ${id ?? ''} for this repository ${r.state.id}`,
      'com.atlassian.bitbucket.pull.NoSuchPullRequestException',
    );
  return pull;
}

export async function refreshPull(r: RepoHandle, pull: PullRecord): Promise<void> {
  if (pull.state !== 'OPEN') return;
  pull.fromCommit = (await revParse(r.dir, pull.fromRef)) ?? pull.fromCommit;
  pull.toCommit = (await revParse(r.dir, pull.toRef)) ?? pull.toCommit;
}

export function repoJson(ctx: ServerContext, r: RepoHandle): Record<string, unknown> {
  const personal = r.key.startsWith('~');
  const browse = personal
    ? `${ctx.base.url}/users/${r.key.slice(1)}/repos/${r.slug}/browse`
    : `${ctx.base.url}/projects/${r.key}/repos/${r.slug}/browse`;
  return {
    id: r.state.id,
    slug: r.slug,
    name: r.slug,
    scmId: 'git',
    state: 'AVAILABLE',
    public: false,
    project: personal
      ? { key: r.key, type: 'PERSONAL', owner: { name: r.key.slice(1), slug: r.key.slice(1) } }
      : { key: r.key, name: r.key, type: 'NORMAL' },
    links: {
      clone: [{ name: 'http', href: `${ctx.base.url}/scm/${r.key.toLowerCase()}/${r.slug}.git` }],
      self: [{ href: browse }],
    },
  };
}

/** The pull request as REST 1.0 renders it. */
export async function renderPull(
  ctx: ServerContext,
  r: RepoHandle,
  pull: PullRecord,
): Promise<Record<string, unknown>> {
  await refreshPull(r, pull);
  const repository = repoJson(ctx, r);
  const ref = (id: string, commit: string) => ({
    id,
    displayId: id.replace(/^refs\/heads\//, ''),
    latestCommit: commit,
    type: 'BRANCH',
    repository,
  });
  const web = String((repository.links as { self: { href: string }[] }).self[0]?.href ?? '').replace(/\/browse$/, '');
  return {
    id: pull.id,
    version: pull.version,
    title: pull.title,
    description: pull.description,
    state: pull.state,
    open: pull.state === 'OPEN',
    closed: pull.state !== 'OPEN',
    createdDate: pull.createdDate,
    updatedDate: pull.updatedDate,
    fromRef: ref(pull.fromRef, pull.fromCommit),
    toRef: ref(pull.toRef, pull.toCommit),
    locked: false,
    author: { user: { name: pull.author, slug: pull.author }, role: 'AUTHOR', approved: false, status: 'UNAPPROVED' },
    reviewers: pull.reviewers.map((name) => ({
      user: { name, slug: name },
      role: 'REVIEWER',
      approved: false,
      status: 'UNAPPROVED',
    })),
    participants: [],
    links: { self: [{ href: `${web}/pull-requests/${pull.id}` }] },
  };
}
