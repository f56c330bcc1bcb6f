import type { GitServer } from '../../helpers/git-server.js';
import { defaultBranch } from '../common/git/bare-repo.js';
import type { ApiRequest, EmulatorBase, Handler } from '../common/emulator-server.js';
import type { RouteDef } from '../common/router.js';
import type { Webhooks } from '../common/webhooks.js';
import type { Principal } from './credentials.js';
import { bitbucketError } from './shapes.js';
import type { CloudStore, RepoState } from './store.js';

/** What every Bitbucket Cloud route handler needs, passed in rather than held in module state. */
export interface CloudContext {
  base: EmulatorBase;
  git: GitServer;
  store: CloudStore;
  now: () => number;
  /** Repository webhooks and their deliveries. */
  hooks: Webhooks;
}

export type CloudRequest = ApiRequest<Principal>;
export type CloudRoute = RouteDef<Handler<Principal>>;

export interface RepoHandle {
  fullName: string;
  dir: string;
  state: RepoState;
  mainBranch: string;
}

/** The repository named by `{workspace}/{repo_slug}`, or Bitbucket's 404. */
export async function requireRepo(ctx: CloudContext, req: CloudRequest): Promise<RepoHandle> {
  const fullName = `${req.params.workspace ?? ''}/${req.params.repo_slug ?? ''}`;
  if (!(await ctx.git.exists(fullName).catch(() => false)))
    throw bitbucketError(404, `Repository ${fullName} not found`);
  return repoHandle(ctx, fullName);
}

/** A repository known to exist, by its full name. */
export async function repoHandle(ctx: CloudContext, fullName: string): Promise<RepoHandle> {
  const dir = ctx.git.bareDir(fullName);
  return { fullName, dir, state: ctx.store.repo(fullName), mainBranch: await defaultBranch(dir) };
}

/** Bitbucket's timestamps: ISO 8601 with microseconds and an offset. */
export function timestamp(ctx: CloudContext): string {
  return new Date(ctx.now()).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export function bodyObject(req: CloudRequest): Record<string, unknown> {
  const b = req.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

/** `obj.a.b` when it is a string. */
export function stringAt(obj: unknown, ...path: string[]): string | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'string' ? cur : undefined;
}
