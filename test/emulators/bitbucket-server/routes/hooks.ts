import { bodyObject, REPO, requireRepo, stringAt, type ServerContext, type ServerRoute } from '../context.js';
import { SERVER_HOOK_EVENTS } from '../notify.js';
import { serverError } from '../shapes.js';

const INVALID = 'com.atlassian.bitbucket.validation.ArgumentValidationException';

/**
 * Repository webhooks: `POST …/webhooks` with `name`, `url`, `events` (event keys) and
 * `configuration.secret`; the secret is never shown again.
 */
export function hookRoutes(ctx: ServerContext): ServerRoute[] {
  const render = (fullName: string) =>
    ctx.hooks.hooks(fullName).map((h) => ({
      id: h.id,
      name: `hook-${h.id}`,
      url: h.url,
      active: h.active,
      events: h.events,
      configuration: {},
    }));
  return [
    {
      method: 'POST',
      pattern: `${REPO}/webhooks`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        const url = stringAt(b, 'url');
        const events = Array.isArray(b.events) ? b.events.map(String) : [];
        if (!url || !/^https?:\/\//.test(url)) throw serverError(400, 'A valid URL is required.', INVALID);
        const unknown = events.find((e) => !(SERVER_HOOK_EVENTS as readonly string[]).includes(e));
        if (events.length === 0 || unknown !== undefined)
          throw serverError(
            400,
            `At least one valid event is required${unknown ? `; "${unknown}" is not one` : ''}.`,
            INVALID,
          );
        const secret = stringAt(b, 'configuration', 'secret');
        const id = ctx.hooks.add(r.fullName, { url, events, ...(secret ? { secret } : {}) });
        return { status: 201, body: render(r.fullName).find((h) => h.id === id) };
      },
    },
    {
      method: 'GET',
      pattern: `${REPO}/webhooks`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const values = render(r.fullName);
        return { status: 200, body: { size: values.length, limit: 25, isLastPage: true, start: 0, values } };
      },
    },
  ];
}
