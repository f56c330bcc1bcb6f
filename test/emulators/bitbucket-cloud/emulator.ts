import { startEmulatorServer, type EmulatorServer } from '../common/emulator-server.js';
import { revParse } from '../common/git/bare-repo.js';
import { createWebhooks, type WebhookEmulator } from '../common/webhooks.js';
import { repoHandle, type CloudContext } from './context.js';
import { cloudHeaders, notifyPull } from './notify.js';
import { authenticate, gitAuthorized, type CloudCredentials, type Principal } from './credentials.js';
import { commentRoutes } from './routes/comments.js';
import { hookRoutes } from './routes/hooks.js';
import { mergeRoutes } from './routes/merge.js';
import { pullRoutes } from './routes/pulls.js';
import { refRoutes } from './routes/refs.js';
import { repoRoutes } from './routes/repos.js';
import { statusRoutes } from './routes/statuses.js';
import { bitbucketError, faultResponse } from './shapes.js';
import { createStore, type CommentRecord, type PullRecord, type StatusRecord } from './store.js';

export type { CommentRecord, PullRecord, StatusRecord } from './store.js';

export interface BitbucketCloudEmulatorOptions {
  /** Access token: API `Bearer X`, git Basic `x-token-auth:X`. */
  token: string;
  /** App password credentials (API and git Basic `username:appPassword`). */
  username?: string;
  appPassword?: string;
  displayName?: string;
  latencyMs?: number;
  now?: () => number;
}

export interface BitbucketCloudEmulator extends EmulatorServer, WebhookEmulator {
  /** Web and git base: repo "ws/slug" clones from `${url}/ws/slug.git`. */
  url: string;
  /** `${url}/2.0`, for the `bitbucket` client's `baseUrl`. */
  apiUrl: string;
  /** Pull requests of a repo, oldest first, with `sourceHash` read from the branch now. */
  pulls(fullName: string): PullRecord[];
  /** Build statuses on a commit (one per key, as Bitbucket keeps them). */
  statuses(fullName: string, sha: string): StatusRecord[];
  comments(fullName: string, id: number): CommentRecord[];
}

/** A Bitbucket Cloud REST 2.0 API and git host on 127.0.0.1, backed by real bare repos. */
export async function startBitbucketCloudEmulator(
  opts: BitbucketCloudEmulatorOptions,
): Promise<BitbucketCloudEmulator> {
  const now = opts.now ?? Date.now;
  const store = createStore();
  const creds: CloudCredentials = {
    token: opts.token,
    username: opts.username,
    appPassword: opts.appPassword,
    displayName: opts.displayName ?? 'dispatchd bot',
  };
  const hooks = createWebhooks(cloudHeaders);
  const server = await startEmulatorServer<Principal>(
    '/2.0',
    (base) => {
      const ctx: CloudContext = { base, git: base.git, store, now, hooks };
      return {
        routes: [
          ...repoRoutes(ctx),
          ...refRoutes(ctx),
          ...pullRoutes(ctx),
          ...mergeRoutes(ctx),
          ...commentRoutes(ctx),
          ...statusRoutes(ctx),
          ...hookRoutes(ctx),
        ],
        authenticate: (headers) => authenticate(creds, headers),
        gitAuth: (authorization) => gitAuthorized(creds, authorization),
        faultResponse,
        notFound: () => bitbucketError(404, 'Resource not found').response,
        onGitPush: (fullName) => void pullsPushed(ctx, fullName).catch(() => undefined),
      };
    },
    { latencyMs: opts.latencyMs },
  );
  return {
    ...server,
    pulls(fullName) {
      return store.repo(fullName).pulls;
    },
    statuses: (fullName, sha) => store.repo(fullName).statuses.filter((s) => s.sha === sha),
    comments: (fullName, id) => store.repo(fullName).comments.filter((c) => c.pullRequestId === id),
    deliveries: (fullName) => hooks.deliveries(fullName),
    webhooksSettled: () => hooks.settled(),
  };
}

/** After a push, an open pull request whose source branch moved is sent as pullrequest:updated. */
async function pullsPushed(ctx: CloudContext, fullName: string): Promise<void> {
  // Taken before any await, so an API call refreshing the pull request meanwhile cannot hide the change.
  const heads = ctx.store.repo(fullName).pulls.map((pull) => ({ pull, before: pull.sourceHash }));
  const r = await repoHandle(ctx, fullName);
  for (const { pull, before } of heads) {
    if (pull.state !== 'OPEN') continue;
    const now = await revParse(r.dir, `refs/heads/${pull.source}`);
    if (now !== null && now !== before) await notifyPull(ctx, ctx.hooks, r, pull, 'pullrequest:updated', pull.author);
  }
}

/** Reads the live tip of each open PR's source branch (tests call it before asserting on `sourceHash`). */
export async function refreshedPulls(emu: BitbucketCloudEmulator, fullName: string): Promise<PullRecord[]> {
  const dir = emu.git.bareDir(fullName);
  const list = emu.pulls(fullName);
  for (const p of list)
    if (p.state === 'OPEN') p.sourceHash = (await revParse(dir, `refs/heads/${p.source}`)) ?? p.sourceHash;
  return list;
}
