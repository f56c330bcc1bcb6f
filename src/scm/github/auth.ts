import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import { classifyHttpFailure } from '../http-errors.js';

/** Where a GitHub host's API and git credential comes from, per repository. */
export interface GithubAuth {
  token(repo: string): Promise<string>;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  obtainedAt: number;
}

/** GitHub installation tokens live an hour; take a new one when five minutes (or half its life) remain. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A personal/fine-grained token is used as is. GitHub App credentials (`app: {id, privateKey}`)
 * buy installation tokens from `apiUrl`: the installation is `app.installationId` when set, else
 * looked up per repository (`GET /repos/{owner}/{repo}/installation`). Tokens and installation
 * ids are cached in this instance only; concurrent callers share one request.
 */
export function githubAuth(
  hostName: string,
  host: HostConfig,
  apiUrl: string,
  now: () => number = Date.now,
): GithubAuth {
  if (host.token) {
    const token = host.token;
    return { token: async () => token };
  }
  const app = host.app;
  if (!app) {
    return {
      token: async () => {
        throw new PermanentError(
          'github_auth_missing',
          `host "${hostName}" has no credentials: set hosts.${hostName}.token or hosts.${hostName}.app {id, privateKey}`,
        );
      },
    };
  }
  // Octokit wires @octokit/auth-app to a request bound to this host's API (GitHub Enterprise too):
  // app-level routes are sent with the app's JWT.
  const appClient = new Octokit({
    baseUrl: apiUrl,
    userAgent: 'dispatchd',
    request: { retries: 0 },
    // Failures are thrown with a message that says what to do; Octokit's own console lines add nothing.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    authStrategy: createAppAuth,
    auth: { appId: app.id, privateKey: app.privateKey.replace(/\\n/g, '\n') },
  });
  const installations = new Map<string, Promise<number>>();
  const tokens = new Map<number, Promise<CachedToken>>();

  async function call<T>(what: string, fn: () => Promise<T>, on404?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Record<string, string> }; message: string };
      if (e.status === 404 && on404) throw new PermanentError('github_app_not_installed', on404);
      if (e.status === 401) {
        throw new PermanentError(
          'github_app_rejected',
          `${hostName}: ${what}: HTTP 401 ${e.message}: check hosts.${hostName}.app.id and that app.privateKey is that app's current private key (PEM)`,
        );
      }
      throw classifyHttpFailure(`${hostName}: ${what}`, {
        status: e.status,
        headers: e.response?.headers,
        message: e.message,
      });
    }
  }

  function installationFor(repo: string): Promise<number> {
    if (app?.installationId !== undefined) return Promise.resolve(app.installationId);
    const cached = installations.get(repo);
    if (cached) return cached;
    const [owner = '', name = ''] = repo.split('/');
    const lookup = call(
      `find the GitHub App installation for ${repo}`,
      async () => (await appClient.apps.getRepoInstallation({ owner, repo: name })).data.id,
      `${hostName}: the GitHub App ${app?.id} is not installed on ${repo}: install it on that repository (or its owner), or set hosts.${hostName}.app.installationId`,
    );
    installations.set(repo, lookup);
    // A failed lookup is not remembered: the app may be installed a minute later.
    lookup.catch(() => installations.delete(repo));
    return lookup;
  }

  function fresh(t: CachedToken): boolean {
    const margin = Math.min(REFRESH_MARGIN_MS, (t.expiresAt - t.obtainedAt) / 2);
    return now() < t.expiresAt - margin;
  }

  async function issue(installationId: number): Promise<CachedToken> {
    const obtainedAt = now();
    const auth = await call(
      `create an installation token (installation ${installationId})`,
      () =>
        // refresh: our cache decides when; auth-app's own cache keeps tokens 59 minutes whatever their expiry.
        appClient.auth({ type: 'installation', installationId, refresh: true }) as Promise<{
          token: string;
          expiresAt: string;
        }>,
    );
    return { token: auth.token, expiresAt: Date.parse(auth.expiresAt), obtainedAt };
  }

  return {
    async token(repo) {
      const id = await installationFor(repo);
      const pending = tokens.get(id);
      if (pending) {
        const t = await pending.catch(() => undefined);
        if (t && fresh(t)) return t.token;
        if (tokens.get(id) !== pending) return (await tokens.get(id)!).token;
      }
      const next = issue(id);
      tokens.set(id, next);
      next.catch(() => {
        if (tokens.get(id) === next) tokens.delete(id);
      });
      return (await next).token;
    },
  };
}
