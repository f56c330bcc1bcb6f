import { GITLAB_HOOK_EVENTS } from '../notify.js';
import { isoNow, missing, params, requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { created, paramError } from '../shapes.js';

/**
 * `POST /projects/:id/hooks` and the list: a project hook with GitLab's `*_events` flags
 * (`push_events` defaults to true, the others to false) and the secret `token`, which GitLab
 * never shows again.
 */
export function hookRoutes(ctx: GitlabContext): GitlabRoute[] {
  const render = (fullName: string, projectId: number) =>
    ctx.hooks.hooks(fullName).map((h) => ({
      id: h.id,
      url: h.url,
      project_id: projectId,
      ...Object.fromEntries(GITLAB_HOOK_EVENTS.map((e) => [e, h.events.includes(e)])),
      enable_ssl_verification: true,
      alert_status: 'executable',
    }));
  return [
    {
      method: 'POST',
      pattern: '/projects/{id}/hooks',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const b = params(req);
        const absent = missing(b, 'url');
        if (absent !== null) throw paramError(absent);
        if (!/^https?:\/\//.test(String(b.url)))
          throw paramError('url is blocked: Only allowed schemes are http, https');
        const on = (e: string) => (b[e] === undefined ? e === 'push_events' : b[e] === true || b[e] === 'true');
        const id = ctx.hooks.add(p.fullName, {
          url: String(b.url),
          events: GITLAB_HOOK_EVENTS.filter(on),
          ...(typeof b.token === 'string' && b.token !== '' ? { secret: b.token } : {}),
        });
        const hook = render(p.fullName, p.state.id).find((h) => h.id === id);
        return created({ ...hook, created_at: isoNow(ctx) });
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/hooks',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        return { status: 200, body: render(p.fullName, p.state.id) };
      },
    },
  ];
}
