import { randomUUID } from 'node:crypto';

/** A repository (project) webhook as an SCM keeps it: where to, which events, the secret. */
export interface WebhookRecord {
  id: number;
  url: string;
  /** The SCM's own event names (GitLab: its `*_events` flags; Bitbucket: event keys). */
  events: string[];
  /** GitLab's secret token, or the Bitbucket HMAC secret. */
  secret?: string;
  active: boolean;
}

/** One POST the emulator made to a hook, as the SCM's "recent deliveries" page shows it. */
export interface WebhookDelivery {
  /** The SCM's delivery id (the header the receiver dedupes on). */
  id: string;
  hookId: number;
  event: string;
  payload: unknown;
  requestHeaders: Record<string, string>;
  /** 0 when the receiver could not be reached. */
  statusCode: number;
  responseBody: string;
}

/** The headers one SCM sends with a delivery: event name, delivery id, secret or signature. */
/** What a test reads of an emulator that sends webhooks. */
export interface WebhookEmulator {
  /** Webhook deliveries sent for a repository (hooks are added through the SCM's API), oldest first. */
  deliveries(fullName: string): WebhookDelivery[];
  /** Resolves once every webhook delivery started so far has been answered. */
  webhooksSettled(): Promise<void>;
}

export type DeliveryHeaders = (hook: WebhookRecord, event: string, body: string, id: string) => Record<string, string>;

export interface Webhooks {
  add(fullName: string, hook: { url: string; events: string[]; secret?: string }): number;
  hooks(fullName: string): WebhookRecord[];
  deliveries(fullName: string): WebhookDelivery[];
  /**
   * Sends `event` to every active hook of the repository subscribed to `subscription`, after the
   * API call that caused it has answered (as the SCMs queue deliveries), so order is not promised.
   */
  notify(fullName: string, subscription: string, event: string, payload: unknown): void;
  /** Whether any active hook of the repository would receive `subscription` (to skip building a payload). */
  wants(fullName: string, subscription: string): boolean;
  /** Resolves once every delivery started so far has been answered or has failed. */
  settled(): Promise<void>;
}

/**
 * Webhook registrations and signed deliveries shared by the GitLab and Bitbucket emulators; each
 * SCM supplies its headers. Names are matched case-insensitively (Bitbucket's are).
 */
export function createWebhooks(headers: DeliveryHeaders, opts: { timeoutMs?: number } = {}): Webhooks {
  const repos = new Map<string, { hooks: WebhookRecord[]; deliveries: WebhookDelivery[] }>();
  const inFlight = new Set<Promise<void>>();
  let nextId = 0;
  const repo = (fullName: string) => {
    const key = fullName.toLowerCase();
    let r = repos.get(key);
    if (!r) repos.set(key, (r = { hooks: [], deliveries: [] }));
    return r;
  };

  async function send(fullName: string, hook: WebhookRecord, event: string, payload: unknown): Promise<void> {
    const id = randomUUID();
    const body = JSON.stringify(payload);
    const requestHeaders = headers(hook, event, body, id);
    const delivery: WebhookDelivery = {
      id,
      hookId: hook.id,
      event,
      payload,
      requestHeaders,
      statusCode: 0,
      responseBody: '',
    };
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: requestHeaders,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      delivery.statusCode = res.status;
      delivery.responseBody = await res.text();
    } catch (e) {
      delivery.responseBody = `delivery failed: ${String(e)}`;
    }
    repo(fullName).deliveries.push(delivery);
  }

  return {
    add(fullName, h) {
      const record: WebhookRecord = { id: ++nextId, url: h.url, events: [...h.events], active: true };
      if (h.secret !== undefined) record.secret = h.secret;
      repo(fullName).hooks.push(record);
      return record.id;
    },
    hooks: (fullName) => repo(fullName).hooks,
    deliveries: (fullName) => repo(fullName).deliveries,
    wants: (fullName, subscription) => repo(fullName).hooks.some((h) => h.active && h.events.includes(subscription)),
    notify(fullName, subscription, event, payload) {
      const targets = repo(fullName).hooks.filter((h) => h.active && h.events.includes(subscription));
      if (targets.length === 0) return;
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => Promise.all(targets.map((h) => send(fullName, h, event, payload))))
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
