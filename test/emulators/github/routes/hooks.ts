import { requireRepo, type GithubContext, type GithubRoute, type RepoHandle } from '../context.js';
import { deliveryStatus, sendDelivery } from '../deliveries.js';
import { notFound } from '../shapes.js';
import type { DeliveryRecord, HookRecord } from '../store.js';

/** Hooks and their deliveries: what an operator's `redeliver` command reads and retries. */
export function hookRoutes(ctx: GithubContext): GithubRoute[] {
  const findHook = (r: RepoHandle, id: string | undefined): HookRecord => {
    const hook = r.state.hooks.find((h) => h.id === Number(id));
    if (hook === undefined) throw notFound();
    return hook;
  };
  const summary = (r: RepoHandle, d: DeliveryRecord): Record<string, unknown> => ({
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt,
    redelivery: d.redelivery,
    duration: d.durationSec,
    status: deliveryStatus(d),
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: null,
    repository_id: r.state.id,
  });
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/hooks',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return {
          status: 200,
          body: r.state.hooks.map((h) => ({
            type: 'Repository',
            id: h.id,
            name: 'web',
            active: h.active,
            events: h.events,
            config: {
              url: h.url,
              content_type: 'json',
              insecure_ssl: '0',
              ...(h.secret === undefined ? {} : { secret: '********' }),
            },
            created_at: h.createdAt,
            updated_at: h.createdAt,
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/hooks/${h.id}`,
            deliveries_url: `${ctx.base.apiUrl}/repos/${r.fullName}/hooks/${h.id}/deliveries`,
          })),
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const hook = findHook(r, req.params.hook_id);
        const all = r.state.deliveries.filter((d) => d.hookId === hook.id).reverse();
        // GitHub pages deliveries with an opaque cursor rather than page numbers.
        const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
        const cursor = req.query.get('cursor');
        const start =
          cursor === null
            ? 0
            : Math.max(
                0,
                all.findIndex((d) => String(d.id) === cursor),
              );
        const page = all.slice(start, start + perPage);
        const next = all[start + perPage];
        const headers: Record<string, string> = {};
        if (next !== undefined) {
          const u = new URL(req.selfUrl);
          u.searchParams.set('per_page', String(perPage));
          u.searchParams.set('cursor', String(next.id));
          headers.link = `<${u.toString()}>; rel="next"`;
        }
        return { status: 200, headers, body: page.map((d) => summary(r, d)) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const hook = findHook(r, req.params.hook_id);
        const d = r.state.deliveries.find((x) => x.hookId === hook.id && x.id === Number(req.params.delivery_id));
        if (d === undefined) throw notFound();
        return {
          status: 200,
          body: {
            ...summary(r, d),
            url: hook.url,
            request: { headers: d.requestHeaders, payload: d.payload },
            response: { headers: {}, payload: d.responseBody },
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const hook = findHook(r, req.params.hook_id);
        const d = r.state.deliveries.find((x) => x.hookId === hook.id && x.id === Number(req.params.delivery_id));
        if (d === undefined) throw notFound();
        // GitHub redelivers asynchronously; waiting here keeps tests deterministic.
        await sendDelivery(ctx, r.fullName, hook, {
          event: d.event,
          payload: d.payload,
          guid: d.guid,
          redelivery: true,
        });
        return { status: 202, body: {} };
      },
    },
  ];
}
