import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What every log line written while serving one request carries. */
export interface RequestContext {
  requestId: string;
  /** The SCM's delivery id, for webhook requests. */
  deliveryId?: string;
  /** The SCM's event name header, for webhook requests. */
  event?: string;
}

// One AsyncLocalStorage for the process is how Node scopes data to a request: it holds nothing
// outside `run`, so it is not shared mutable state. The logger's mixin reads it, which puts the
// request and delivery ids on lines logged by code that never sees the request (hook handler,
// inbox).
const storage = new AsyncLocalStorage<RequestContext>();

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Request id from a proxy's `X-Request-Id` (when sane), else a fresh one. For a webhook, the
 * delivery id and event come from the headers its SCM's parser names (WebhookParser.headers).
 */
export function contextOf(
  req: IncomingMessage,
  opts: { webhook?: { delivery: readonly string[]; event: string } } = {},
): RequestContext {
  const given = header(req, 'x-request-id');
  const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  if (!opts.webhook) return { requestId };
  const deliveryId = opts.webhook.delivery.map((name) => header(req, name)).find((v) => v);
  const event = header(req, opts.webhook.event);
  return {
    requestId,
    ...(deliveryId ? { deliveryId: deliveryId.slice(0, 128) } : {}),
    ...(event ? { event: event.slice(0, 64) } : {}),
  };
}

export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
};
