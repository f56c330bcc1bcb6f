import type { GitServer } from '../../helpers/git-server.js';
import { defaultBranch, revParse } from '../common/git/bare-repo.js';
import type { ApiRequest, EmulatorBase, Handler } from '../common/emulator-server.js';
import type { RouteDef } from '../common/router.js';
import type { Webhooks } from '../common/webhooks.js';
import type { Principal } from './credentials.js';
import { serverError } from './shapes.js';
import type { RepoState, ServerStore } from './store.js';

export const REPO = '/rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}';

/** What every Bitbucket Server route handler needs, passed in rather than held in module state. */
export interface ServerContext {
  base: EmulatorBase;
  /** Named `PROJECT/slug`; stored and cloned under `scm/project/slug`. */
  git: GitServer;
  store: ServerStore;
  now: () => number;
  /** Repository webhooks and their deliveries. */
  hooks: Webhooks;
}

export type ServerRequest = ApiRequest<Principal>;
export type ServerRoute = RouteDef<Handler<Principal>>;

export interface RepoHandle {
  key: string;
  slug: string;
  fullName: string;
  dir: string;
  state: RepoState;
  defaultBranch: string;
}

/** Project keys match case-insensitively; personal projects are `~user`. */
export async function requireRepo(ctx: ServerContext, req: ServerRequest): Promise<RepoHandle> {
  const rawKey = req.params.projectKey ?? '';
  const key = rawKey.startsWith('~') ? rawKey.toLowerCase() : rawKey.toUpperCase();
  const slug = req.params.repositorySlug ?? '';
  const fullName = `${key}/${slug}`;
  if (!(await ctx.git.exists(fullName).catch(() => false))) {
    throw serverError(
      404,
      `Repository ${key}/${slug} does not exist.`,
      'com.atlassian.bitbucket.repository.NoSuchRepositoryException',
    );
  }
  return repoHandle(ctx, fullName);
}

/** A repository known to exist, by `KEY/slug`. */
export async function repoHandle(ctx: ServerContext, fullName: string): Promise<RepoHandle> {
  const [key = '', slug = ''] = fullName.split('/');
  const dir = ctx.git.bareDir(fullName);
  return { key, slug, fullName, dir, state: ctx.store.repo(fullName), defaultBranch: await defaultBranch(dir) };
}

export function bodyObject(req: ServerRequest): Record<string, unknown> {
  const b = req.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

export function stringAt(obj: unknown, ...path: string[]): string | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/** `refs/heads/x` for a bare `x`, as Bitbucket qualifies unqualified branch names. */
export const qualify = (ref: string): string => (ref.startsWith('refs/') ? ref : `refs/heads/${ref}`);

/** The commit `ref` names (a branch name, full ref or commit id), or Bitbucket's NoSuchCommit 404. */
export async function resolveCommit(dir: string, repoName: string, ref: string): Promise<string> {
  const sha = (await revParse(dir, qualify(ref))) ?? (await revParse(dir, ref));
  if (sha === null)
    throw serverError(
      404,
      `Commit '${ref}' does not exist in repository '${repoName}'.`,
      'com.atlassian.bitbucket.commit.NoSuchCommitException',
    );
  return sha;
}
