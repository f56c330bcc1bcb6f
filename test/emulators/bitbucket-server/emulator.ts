import type { GitServer } from '../../helpers/git-server.js';
import { startEmulatorServer, type EmulatorServer } from '../common/emulator-server.js';
import { revParse } from '../common/git/bare-repo.js';
import { createWebhooks, type WebhookEmulator } from '../common/webhooks.js';
import { repoHandle, type ServerContext } from './context.js';
import { notifyPull, serverHeaders } from './notify.js';
import { authenticate, gitAuthorized, type Principal, type ServerCredentials } from './credentials.js';
import { buildStatusRoutes } from './routes/build-status.js';
import { commentRoutes } from './routes/comments.js';
import { hookRoutes } from './routes/hooks.js';
import { mergeRoutes } from './routes/merge.js';
import { pullRoutes } from './routes/pulls.js';
import { refRoutes } from './routes/refs.js';
import { repoRoutes } from './routes/repos.js';
import { scmNamedGit } from './scm-git.js';
import { faultResponse, serverError } from './shapes.js';
import { createStore, type CommentRecord, type PullRecord, type StatusRecord } from './store.js';

export type { CommentRecord, PullRecord, StatusRecord } from './store.js';
export { scmPath } from './scm-git.js';

export interface BitbucketServerEmulatorOptions {
  /** HTTP access token (`Bearer X` to the API and to git). */
  token: string;
  /** A user's name and password (Basic), accepted as well. */
  username?: string;
  password?: string;
  /** The user the token acts as. */
  user?: string;
  latencyMs?: number;
  now?: () => number;
}

export interface BitbucketServerEmulator extends EmulatorServer, WebhookEmulator {
  /** Web and git base: repo "PROJ/app" clones from `${url}/scm/proj/app.git`. */
  url: string;
  /** `${url}/rest/api/1.0`. */
  apiUrl: string;
  /** Named `PROJECT/slug` (or `~user/slug`): `git.createRepo('PROJ/app')`. */
  git: GitServer;
  pulls(fullName: string): PullRecord[];
  /** Build statuses on a commit (one per key); Bitbucket keys them by commit alone. */
  statuses(fullName: string, sha: string): StatusRecord[];
  comments(fullName: string, id: number): CommentRecord[];
}

/** A Bitbucket Server / Data Center REST 1.0 API and git host on 127.0.0.1, backed by real bare repos. */
export async function startBitbucketServerEmulator(
  opts: BitbucketServerEmulatorOptions,
): Promise<BitbucketServerEmulator> {
  const now = opts.now ?? Date.now;
  const store = createStore();
  const creds: ServerCredentials = {
    token: opts.token,
    username: opts.username,
    password: opts.password,
    user: opts.user ?? 'dispatchd',
  };
  let git: GitServer | undefined;
  const hooks = createWebhooks(serverHeaders);
  // Served from the root: the core API and the build-status API are siblings under /rest.
  const server = await startEmulatorServer<Principal>(
    '',
    (base) => {
      git = scmNamedGit(base.git);
      const ctx: ServerContext = { base, git, store, now, hooks };
      return {
        routes: [
          ...repoRoutes(ctx),
          ...refRoutes(ctx),
          ...pullRoutes(ctx),
          ...mergeRoutes(ctx),
          ...commentRoutes(ctx),
          ...buildStatusRoutes(ctx),
          ...hookRoutes(ctx),
        ],
        authenticate: (headers) => authenticate(creds, headers),
        gitAuth: (authorization) => gitAuthorized(creds, authorization),
        faultResponse,
        notFound: () => serverError(404, 'The requested resource does not exist', null).response,
        onGitPush: (path) => void pullsPushed(ctx, fromScmPath(path)).catch(() => undefined),
      };
    },
    { latencyMs: opts.latencyMs },
  );
  const named = git ?? scmNamedGit(server.git);
  return {
    ...server,
    apiUrl: `${server.url}/rest/api/1.0`,
    git: named,
    pulls: (fullName) => store.repo(fullName).pulls,
    // The repository is not part of a build status; the name is kept for the shared emulator surface.
    statuses: (_fullName, sha) => store.statuses.filter((s) => s.sha === sha),
    comments: (fullName, id) => store.repo(fullName).comments.filter((c) => c.pullRequestId === id),
    deliveries: (fullName) => hooks.deliveries(fullName),
    webhooksSettled: () => hooks.settled(),
  };
}

/** `scm/proj/app` (where git keeps it) → `PROJ/app`; personal projects stay `~user`. */
function fromScmPath(path: string): string {
  const [, key = '', ...rest] = path.split('/');
  return [key.startsWith('~') ? key : key.toUpperCase(), ...rest].join('/');
}

/** After a push, an open pull request whose source branch moved is sent as pr:from_ref_updated. */
async function pullsPushed(ctx: ServerContext, fullName: string): Promise<void> {
  // Taken before any await, so an API call refreshing the pull request meanwhile cannot hide the change.
  const heads = ctx.store.repo(fullName).pulls.map((pull) => ({ pull, before: pull.fromCommit }));
  const r = await repoHandle(ctx, fullName);
  for (const { pull, before } of heads) {
    if (pull.state !== 'OPEN') continue;
    const now = await revParse(r.dir, pull.fromRef);
    if (now !== null && now !== before)
      await notifyPull(ctx, ctx.hooks, r, pull, 'pr:from_ref_updated', pull.author, { previousFromHash: before });
  }
}
