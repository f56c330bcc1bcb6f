import { startEmulatorServer, type EmulatorServer } from '../common/emulator-server.js';
import { branchShaSync } from '../common/git/refs.js';
import { createWebhooks, type WebhookEmulator } from '../common/webhooks.js';
import { projectHandle, type GitlabContext } from './context.js';
import { refreshMergeRequest } from './merge-request-view.js';
import { gitlabHeaders, notifyMergeRequest } from './notify.js';
import { authenticate, gitAuthorized, type CredentialDeps, type Principal } from './credentials.js';
import { createRateLimit, faultResponse } from './rate-limit.js';
import { hookRoutes } from './routes/hooks.js';
import { mergeRoutes } from './routes/merge.js';
import { mergeRequestRoutes } from './routes/merge-requests.js';
import { memberRoutes } from './routes/members.js';
import { noteRoutes } from './routes/notes.js';
import { projectRoutes } from './routes/projects.js';
import { refRoutes } from './routes/refs.js';
import { statusRoutes } from './routes/statuses.js';
import { notFound } from './shapes.js';
import { createStore, type MergeRequestRecord, type NoteRecord, type StatusRecord } from './store.js';

export type { MergeRequestRecord, NoteRecord, StatusRecord } from './store.js';

export interface GitlabEmulatorOptions {
  /** The access token the API (`PRIVATE-TOKEN` / `Bearer`) and git (Basic `oauth2:X`) accept. */
  token: string;
  latencyMs?: number;
  /** User the token belongs to; MRs, notes and statuses show it as author. */
  username?: string;
  /** More users with their own tokens (commenters); members of no project until `setMember`. */
  users?: { username: string; token: string }[];
  now?: () => number;
  /**
   * For this long after an MR's head commit changes, `detailed_merge_status` is `checking` and
   * merging answers 405, as on GitLab right after a push. Default 0 (checked at once).
   */
  mergeCheckMs?: number;
  /** The instance's "Maximum diff files" diff limit; compare past it sets `compare_timeout`. Default 1000. */
  diffMaxFiles?: number;
}

export interface GitlabEmulator extends EmulatorServer, WebhookEmulator {
  /** Web and git base: project "g/sub/p" clones from `${url}/g/sub/p.git`. */
  url: string;
  /** `${url}/api/v4`. */
  apiUrl: string;
  /** Merge requests of a project, oldest first, with `sha` read from the source branch now. */
  mergeRequests(fullName: string): MergeRequestRecord[];
  /** Commit statuses set on a commit, oldest first. */
  statuses(fullName: string, sha: string): StatusRecord[];
  /** Notes on a merge request, oldest first. */
  notes(fullName: string, iid: number): NoteRecord[];
  /**
   * Makes `username` a member of the project at `accessLevel` (20 Reporter, 30 Developer...);
   * `awaiting`: an invitation not yet accepted (`membership_state: awaiting`).
   */
  setMember(fullName: string, username: string, accessLevel: number, opts?: { awaiting?: boolean }): void;
}

/** A GitLab REST API v4 and git host on 127.0.0.1, backed by real bare repositories. */
export async function startGitlabEmulator(opts: GitlabEmulatorOptions): Promise<GitlabEmulator> {
  const now = opts.now ?? Date.now;
  const store = createStore();
  const creds: CredentialDeps = { token: opts.token, username: opts.username ?? 'dispatchd-bot', users: opts.users };
  const usernames = { bot: creds.username, all: [creds.username, ...(opts.users ?? []).map((u) => u.username)] };
  const rateHeaders = createRateLimit(now);
  let hooks: GitlabContext['hooks'] | undefined;
  const server = await startEmulatorServer<Principal>(
    '/api/v4',
    (base) => {
      const ctx: GitlabContext = {
        base,
        git: base.git,
        store,
        now,
        mergeCheckMs: opts.mergeCheckMs ?? 0,
        diffMaxFiles: opts.diffMaxFiles ?? 1000,
        hooks: createWebhooks(gitlabHeaders(base.url)),
      };
      hooks = ctx.hooks;
      return {
        routes: [
          ...projectRoutes(ctx),
          ...refRoutes(ctx),
          ...mergeRequestRoutes(ctx),
          ...mergeRoutes(ctx),
          ...noteRoutes(ctx),
          ...memberRoutes(ctx, usernames),
          ...statusRoutes(ctx),
          ...hookRoutes(ctx),
        ],
        authenticate: (headers) => authenticate(creds, headers),
        gitAuth: (authorization) => gitAuthorized(creds, authorization),
        faultResponse,
        notFound: () => notFound().response,
        commonHeaders: (_principal, fault) => rateHeaders(fault),
        onGitPush: (fullName) => void mergeRequestsPushed(ctx, fullName).catch(() => undefined),
      };
    },
    { latencyMs: opts.latencyMs },
  );
  return {
    ...server,
    mergeRequests(fullName) {
      const dir = server.git.bareDir(fullName);
      const list = store.project(fullName).mergeRequests;
      for (const m of list) if (m.state === 'opened') m.sha = branchShaSync(dir, m.sourceBranch) ?? m.sha;
      return list;
    },
    statuses: (fullName, sha) => store.project(fullName).statuses.filter((s) => s.sha === sha),
    notes: (fullName, iid) => store.project(fullName).notes.filter((n) => n.mergeRequestIid === iid),
    setMember: (fullName, username, accessLevel, o = {}) =>
      void store.project(fullName).members.set(username, { level: accessLevel, awaiting: o.awaiting ?? false }),
    deliveries: (fullName) => hooks?.deliveries(fullName) ?? [],
    webhooksSettled: () => hooks?.settled() ?? Promise.resolve(),
  };
}

/** After a push, GitLab refreshes the open MRs from that branch and sends `update` with `oldrev`. */
async function mergeRequestsPushed(ctx: GitlabContext, fullName: string): Promise<void> {
  // Taken before any await, so an API call refreshing the MR meanwhile cannot hide the change.
  const heads = ctx.store.project(fullName).mergeRequests.map((mr) => ({ mr, oldrev: mr.sha }));
  const p = await projectHandle(ctx, fullName);
  for (const { mr, oldrev } of heads) {
    await refreshMergeRequest(ctx, p, mr);
    if (mr.state === 'opened' && mr.sha !== oldrev)
      notifyMergeRequest(ctx, ctx.hooks, p, mr, 'update', mr.author, oldrev);
  }
}
