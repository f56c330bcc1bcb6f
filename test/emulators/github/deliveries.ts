import { createHmac, randomUUID } from 'node:crypto';
import type { GithubContext } from './context.js';
import type { DeliveryRecord, HookRecord } from './store.js';

export interface DeliveryInput {
  event: string;
  payload: unknown;
  /** Defaults to a new UUID; a redelivery reuses the original's. */
  guid?: string;
  /** The HTTP status the receiver answered (for `recordDelivery`, which sends nothing). */
  statusCode?: number;
  redelivery?: boolean;
}

/** The headers GitHub's hookshot sends, signed with the hook's secret over the exact body bytes. */
function deliveryHeaders(hook: HookRecord, guid: string, event: string, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/dispatchd-emulator',
    'x-github-event': event,
    'x-github-delivery': guid,
    'x-github-hook-id': String(hook.id),
    'x-github-hook-installation-target-type': 'repository',
  };
  if (hook.secret !== undefined) {
    headers['x-hub-signature'] = `sha1=${createHmac('sha1', hook.secret).update(body).digest('hex')}`;
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
  }
  return headers;
}

export function recordDelivery(
  ctx: GithubContext,
  fullName: string,
  hook: HookRecord,
  input: DeliveryInput,
  responseBody = '',
): DeliveryRecord {
  const guid = input.guid ?? randomUUID();
  const body = JSON.stringify(input.payload);
  const payload = input.payload as { action?: unknown } | null;
  const record: DeliveryRecord = {
    id: ctx.store.nextId(),
    guid,
    hookId: hook.id,
    deliveredAt: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    redelivery: input.redelivery ?? false,
    durationSec: 0,
    statusCode: input.statusCode ?? 0,
    event: input.event,
    action: typeof payload?.action === 'string' ? payload.action : null,
    payload: input.payload,
    requestHeaders: deliveryHeaders(hook, guid, input.event, body),
    responseBody,
  };
  ctx.store.repo(fullName).deliveries.push(record);
  return record;
}

/** POSTs the payload to the hook's URL as GitHub would (10 s timeout) and records the outcome. */
export async function sendDelivery(
  ctx: GithubContext,
  fullName: string,
  hook: HookRecord,
  input: DeliveryInput,
): Promise<DeliveryRecord> {
  const guid = input.guid ?? randomUUID();
  const body = JSON.stringify(input.payload);
  const started = Date.now();
  let statusCode = 0;
  let responseBody = '';
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: deliveryHeaders(hook, guid, input.event, body),
      body,
      signal: AbortSignal.timeout(10_000),
    });
    statusCode = res.status;
    responseBody = await res.text();
  } catch (e) {
    responseBody = `delivery failed: ${String(e)}`;
  }
  const record = recordDelivery(ctx, fullName, hook, { ...input, guid, statusCode }, responseBody);
  record.durationSec = (Date.now() - started) / 1000;
  return record;
}

export function deliveryStatus(d: DeliveryRecord): string {
  if (d.statusCode >= 200 && d.statusCode < 300) return 'OK';
  return d.statusCode === 0 ? 'failed to connect to host' : `Invalid HTTP Response: ${d.statusCode}`;
}
