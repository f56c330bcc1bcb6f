import { randomBytes } from 'node:crypto';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { created, notFound } from '../shapes.js';
import type { GithubApp } from '../credentials.js';

const PERMISSIONS = { contents: 'write', pull_requests: 'write', statuses: 'write', metadata: 'read' };

/**
 * The GitHub App flow @octokit/auth-app drives: a JWT signed with the app's private key buys an
 * installation token that the API and git then accept until it expires.
 */
export function appRoutes(ctx: GithubContext, app: GithubApp | undefined): GithubRoute[] {
  const installation = (account: string): Record<string, unknown> => ({
    id: app?.installationId,
    account: { login: account, type: 'Organization' },
    app_id: Number(app?.id),
    app_slug: app?.slug ?? 'dispatchd-test-app',
    target_type: 'Organization',
    permissions: PERMISSIONS,
    events: ['push'],
    repository_selection: 'all',
    access_tokens_url: `${ctx.base.apiUrl}/app/installations/${app?.installationId ?? 0}/access_tokens`,
    repositories_url: `${ctx.base.apiUrl}/installation/repositories`,
    html_url: `${ctx.base.url}/settings/installations/${app?.installationId ?? 0}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  });
  return [
    {
      method: 'GET',
      pattern: '/app',
      auth: 'app',
      handler: () => ({
        status: 200,
        body: {
          id: Number(app?.id),
          slug: app?.slug ?? 'dispatchd-test-app',
          name: 'dispatchd test app',
          permissions: PERMISSIONS,
          events: ['push'],
        },
      }),
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/installation',
      auth: 'app',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return { status: 200, body: installation(r.fullName.split('/')[0] ?? '') };
      },
    },
    {
      method: 'GET',
      pattern: '/app/installations/{installation_id}',
      auth: 'app',
      handler: (req) => {
        if (Number(req.params.installation_id) !== app?.installationId) throw notFound();
        return { status: 200, body: installation('acme') };
      },
    },
    {
      method: 'POST',
      pattern: '/app/installations/{installation_id}/access_tokens',
      auth: 'app',
      handler: (req) => {
        if (app === undefined || Number(req.params.installation_id) !== app.installationId) throw notFound();
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        const expires = ctx.now() + (app.tokenTtlSec ?? 3600) * 1000;
        ctx.store.installationTokens.set(token, expires);
        return created({
          token,
          expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: PERMISSIONS,
          repository_selection: 'all',
        });
      },
    },
  ];
}
