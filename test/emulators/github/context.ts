import type { GitServer } from '../../helpers/git-server.js';
import { defaultBranch } from '../common/git/bare-repo.js';
import type { ApiRequest, EmulatorBase, Handler } from '../common/emulator-server.js';
import type { RouteDef } from '../common/router.js';
import type { CredentialDeps, Principal } from './credentials.js';
import { notFound } from './shapes.js';
import type { GithubStore, RepoState } from './store.js';

/** What every GitHub route handler needs, passed in rather than held in module state. */
export interface GithubContext {
  base: EmulatorBase;
  git: GitServer;
  store: GithubStore;
  creds: CredentialDeps;
  now: () => number;
}

export type GithubRequest = ApiRequest<Principal>;
export type GithubRoute = RouteDef<Handler<Principal>>;

export interface RepoHandle {
  fullName: string;
  dir: string;
  state: RepoState;
  defaultBranch: string;
}

/** The repository named by `{owner}/{repo}`, or GitHub's 404. */
export async function requireRepo(ctx: GithubContext, req: GithubRequest): Promise<RepoHandle> {
  const fullName = `${req.params.owner ?? ''}/${req.params.repo ?? ''}`;
  if (!(await ctx.git.exists(fullName).catch(() => false))) throw notFound();
  const dir = ctx.git.bareDir(fullName);
  return { fullName, dir, state: ctx.store.repo(fullName), defaultBranch: await defaultBranch(dir) };
}

export function isoNow(ctx: GithubContext): string {
  return new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The JSON body as an object (GitHub answers 400 to a non-object body). */
export function bodyObject(req: GithubRequest): Record<string, unknown> {
  const b = req.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}
