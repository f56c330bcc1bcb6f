import type { GitServer } from '../../helpers/git-server.js';
import { branchSha, headBranchName } from '../common/git/refs.js';
import type { ApiRequest, EmulatorBase, Handler } from '../common/emulator-server.js';
import type { RouteDef } from '../common/router.js';
import type { Webhooks } from '../common/webhooks.js';
import type { Principal } from './credentials.js';
import { notFound } from './shapes.js';
import type { GitlabStore, ProjectState } from './store.js';

/** What every GitLab route handler needs, passed in rather than held in module state. */
export interface GitlabContext {
  base: EmulatorBase;
  git: GitServer;
  store: GitlabStore;
  now: () => number;
  /** How long after a new head commit GitLab reports `detailed_merge_status: checking`. */
  mergeCheckMs: number;
  /** GitLab's "Maximum diff files" limit (1000 by default): compare lists no more. */
  diffMaxFiles: number;
  /** Project hooks and their deliveries. */
  hooks: Webhooks;
}

export type GitlabRequest = ApiRequest<Principal>;
export type GitlabRoute = RouteDef<Handler<Principal>>;

export interface ProjectHandle {
  fullName: string;
  dir: string;
  state: ProjectState;
  /** null for a project whose repository has no commits yet. */
  defaultBranch: string | null;
}

/** The project named by `:id`: a numeric id or the URL-encoded full path. Else GitLab's 404. */
export async function requireProject(ctx: GitlabContext, req: GitlabRequest): Promise<ProjectHandle> {
  const id = req.params.id ?? '';
  const fullName = /^\d+$/.test(id) ? ctx.store.pathOf(Number(id)) : id;
  if (fullName === undefined || !(await ctx.git.exists(fullName).catch(() => false))) throw notFound('Project');
  return projectHandle(ctx, fullName);
}

/** A project known to exist, by its full path. */
export async function projectHandle(ctx: GitlabContext, fullName: string): Promise<ProjectHandle> {
  const dir = ctx.git.bareDir(fullName);
  const branch = await headBranchName(dir);
  const hasCommits = (await branchSha(dir, branch)) !== null;
  return { fullName, dir, state: ctx.store.project(fullName), defaultBranch: hasCommits ? branch : null };
}

export function isoNow(ctx: GitlabContext): string {
  return new Date(ctx.now()).toISOString();
}

/** The JSON body as an object; query parameters count too, as Grape merges both. */
export function params(req: GitlabRequest): Record<string, unknown> {
  const b = req.body;
  const fromBody = typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
  const fromQuery: Record<string, unknown> = {};
  for (const [k, v] of req.query) fromQuery[k] = v;
  return { ...fromQuery, ...fromBody };
}

/** Grape's "x is missing, y is missing" for required parameters that are absent or empty. */
export function missing(p: Record<string, unknown>, ...names: string[]): string | null {
  const absent = names.filter((n) => p[n] === undefined || p[n] === null || p[n] === '');
  return absent.length === 0 ? null : absent.map((n) => `${n} is missing`).join(', ');
}
