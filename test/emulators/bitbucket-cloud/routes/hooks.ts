import { bodyObject, requireRepo, stringAt, type CloudContext, type CloudRoute } from '../context.js';
import { CLOUD_HOOK_EVENTS, hookUuid } from '../notify.js';
import { bitbucketError } from '../shapes.js';

/**
 * Repository webhooks: `POST /repositories/{workspace}/{repo_slug}/hooks` with `url`, `events`
 * (event keys) and an optional `secret`, which Bitbucket never shows again (`secret_set`).
 */
export function hookRoutes(ctx: CloudContext): CloudRoute[] {
  const render = (fullName: string) =>
    ctx.hooks.hooks(fullName).map((h) => ({
      type: 'webhook_subscription',
      uuid: hookUuid(h.id),
      url: h.url,
      subject_type: 'repository',
      active: h.active,
      events: h.events,
      secret_set: h.secret !== undefined,
    }));
  return [
    {
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/hooks',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        const url = stringAt(b, 'url');
        const events = Array.isArray(b.events) ? b.events.map(String) : [];
        const fields: Record<string, string[]> = {};
        if (!url || !/^https?:\/\//.test(url)) fields.url = ['Enter a valid URL.'];
        if (events.length === 0) fields.events = ['This field is required.'];
        const unknown = events.find((e) => !(CLOUD_HOOK_EVENTS as readonly string[]).includes(e));
        if (unknown !== undefined) fields.events = [`"${unknown}" is not a valid choice.`];
        if (Object.keys(fields).length > 0) throw bitbucketError(400, 'Bad request', { fields });
        const secret = stringAt(b, 'secret');
        const id = ctx.hooks.add(r.fullName, { url: url ?? '', events, ...(secret ? { secret } : {}) });
        return { status: 201, body: render(r.fullName).find((h) => h.uuid === hookUuid(id)) };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/hooks',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const values = render(r.fullName);
        return { status: 200, body: { size: values.length, page: 1, pagelen: 10, values } };
      },
    },
  ];
}
