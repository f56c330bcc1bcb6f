import { branchShaSync } from '../common/git/refs.js';
import { defaultBranch } from '../common/git/bare-repo.js';
import { notifySynchronize } from './notify.js';
import { startEmulatorServer, type EmulatorServer } from '../common/emulator-server.js';
import type { GithubContext } from './context.js';
import {
  appPublicKey,
  authenticate,
  gitAuthorized,
  type CredentialDeps,
  type GithubApp,
  type Principal,
} from './credentials.js';
import { recordDelivery, sendDelivery, type DeliveryInput } from './deliveries.js';
import { createRateLimit, faultResponse } from './rate-limit.js';
import { appRoutes } from './routes/app.js';
import { branchRoutes } from './routes/branches.js';
import { checkRunRoutes } from './routes/check-runs.js';
import { compareRoutes } from './routes/compare.js';
import { gitRefRoutes } from './routes/git-refs.js';
import { graphqlRoutes } from './routes/graphql.js';
import { hookRoutes } from './routes/hooks.js';
import { collaboratorRoutes } from './routes/collaborators.js';
import { labelRoutes } from './routes/labels.js';
import { mergeRoutes } from './routes/merge.js';
import { pullRoutes } from './routes/pulls.js';
import { repoRoutes } from './routes/repos.js';
import { statusRoutes } from './routes/statuses.js';
import { notFound } from './shapes.js';
import {
  createStore,
  type CommentRecord,
  type DeliveryRecord,
  type HookRecord,
  type PullRecord,
  type StatusRecord,
} from './store.js';

export type { GithubApp } from './credentials.js';
export type { CommentRecord, DeliveryRecord, HookRecord, PullRecord, StatusRecord } from './store.js';

export interface GithubEmulatorOptions {
  /** The PAT the API (`token X` / `Bearer X`) and git (Basic `x-access-token:X`) accept. */
  token: string;
  latencyMs?: number;
  app?: GithubApp;
  /** Login the token belongs to; PRs and statuses show it as author. */
  login?: string;
  /** Clock for token expiry and timestamps; tests move it to expire installation tokens. */
  now?: () => number;
}

export interface GithubEmulator extends EmulatorServer {
  /** Web and git base: repo "o/r" clones from `${url}/o/r.git`. */
  url: string;
  /** `${url}/api/v3`, the GitHub Enterprise layout, for @octokit/rest's `baseUrl`. */
  apiUrl: string;
  /** PRs of a repo, oldest first, with `headSha` read from the branch now. */
  pulls(fullName: string): PullRecord[];
  /** Statuses set on a commit, oldest first. */
  statuses(fullName: string, sha: string): StatusRecord[];
  comments(fullName: string, number: number): CommentRecord[];
  /** The repository's "Allow auto-merge" setting (off by default, as on GitHub). */
  allowAutoMerge(fullName: string, allow: boolean): void;
  /** A user's role on the repository (admin, maintain, write, triage, read), as the permission API reports it. */
  setPermission(fullName: string, login: string, role: string): void;
  /** Branch protection requiring these status check contexts before a merge into `branch`. */
  protectBranch(fullName: string, branch: string, contexts: string[]): void;
  /** Registers a repository webhook; returns its id. */
  addHook(fullName: string, hook: { url: string; secret?: string; events?: string[] }): number;
  /** Records a delivery without sending it (e.g. one the receiver missed while down). */
  recordDelivery(fullName: string, hookId: number, input: DeliveryInput): DeliveryRecord;
  /** Sends a webhook to the hook's URL as GitHub does, signed with its secret, and records it. */
  deliver(fullName: string, hookId: number, input: DeliveryInput): Promise<DeliveryRecord>;
  deliveries(fullName: string, hookId?: number): DeliveryRecord[];
  /**
   * Call after committing to `branch` with `git`: GitHub's `synchronize` for each open pull request
   * with that head; `hold` records the deliveries unsent and returns them (send them with `deliver`).
   */
  synchronize(fullName: string, branch: string, opts?: { hold?: boolean }): Promise<DeliveryRecord[]>;
}

/** A GitHub (Enterprise-layout) REST API and git host on 127.0.0.1, backed by real bare repos. */
export async function startGithubEmulator(opts: GithubEmulatorOptions): Promise<GithubEmulator> {
  const now = opts.now ?? Date.now;
  const store = createStore();
  const creds: CredentialDeps = {
    token: opts.token,
    login: opts.login ?? 'dispatchd-bot',
    app: opts.app,
    appKey: appPublicKey(opts.app),
    store,
    now,
  };
  const rateHeaders = createRateLimit(now);
  let ctx: GithubContext | undefined;
  const server = await startEmulatorServer<Principal>(
    '/api/v3',
    (base) => {
      const c: GithubContext = { base, git: base.git, store, creds, now };
      ctx = c;
      return {
        routes: [
          ...repoRoutes(c),
          ...compareRoutes(c),
          ...gitRefRoutes(c),
          ...pullRoutes(c),
          ...labelRoutes(c),
          ...collaboratorRoutes(c),
          ...mergeRoutes(c),
          ...statusRoutes(c),
          ...checkRunRoutes(c),
          ...branchRoutes(c),
          ...appRoutes(c, opts.app),
          ...hookRoutes(c),
          ...graphqlRoutes(c),
        ],
        authenticate: (headers, routeAuth) => authenticate(creds, headers, routeAuth),
        gitAuth: (authorization) => gitAuthorized(creds, authorization),
        faultResponse,
        notFound: () => notFound().response,
        commonHeaders: (principal, fault) => rateHeaders(principal?.login, fault),
      };
    },
    { latencyMs: opts.latencyMs, outside: ['/api/graphql'] },
  );
  const context = ctx as GithubContext;
  const hook = (fullName: string, hookId: number): HookRecord => {
    const h = store.repo(fullName).hooks.find((x) => x.id === hookId);
    if (h === undefined) throw new Error(`github emulator: ${fullName} has no hook ${hookId}; call addHook first`);
    return h;
  };
  return {
    ...server,
    pulls(fullName) {
      const dir = server.git.bareDir(fullName);
      const list = store.repo(fullName).pulls;
      for (const p of list) if (p.state === 'open') p.headSha = branchShaSync(dir, p.head) ?? p.headSha;
      return list;
    },
    statuses: (fullName, sha) => store.repo(fullName).statuses.filter((s) => s.sha === sha),
    comments: (fullName, number) => store.repo(fullName).comments.filter((c) => c.issueNumber === number),
    allowAutoMerge(fullName, allow) {
      store.repo(fullName).allowAutoMerge = allow;
    },
    setPermission(fullName, login, role) {
      store.repo(fullName).permissions[login.toLowerCase()] = role;
    },
    protectBranch(fullName, branch, contexts) {
      store.repo(fullName).protections[branch] = contexts;
    },
    addHook(fullName, h) {
      const record: HookRecord = {
        id: store.nextId(),
        url: h.url,
        secret: h.secret,
        events: h.events ?? ['push'],
        active: true,
        createdAt: new Date(now()).toISOString(),
      };
      store.repo(fullName).hooks.push(record);
      return record.id;
    },
    recordDelivery: (fullName, hookId, input) => recordDelivery(context, fullName, hook(fullName, hookId), input),
    deliver: (fullName, hookId, input) => sendDelivery(context, fullName, hook(fullName, hookId), input),
    deliveries: (fullName, hookId) =>
      store.repo(fullName).deliveries.filter((d) => hookId === undefined || d.hookId === hookId),
    async synchronize(fullName, branch, o = {}) {
      const dir = server.git.bareDir(fullName);
      const r = { fullName, dir, state: store.repo(fullName), defaultBranch: await defaultBranch(dir) };
      return notifySynchronize(context, r, branch, creds.login, o.hold ?? false);
    },
  };
}
