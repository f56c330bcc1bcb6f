import { createHmac } from 'node:crypto';
import type { WebhookRecord, Webhooks } from '../common/webhooks.js';
import type { RepoHandle, ServerContext } from './context.js';
import { renderPull } from './pull-view.js';
import type { PullRecord } from './store.js';

/**
 * The event keys a Bitbucket Server repository webhook can subscribe to that the emulator sends.
 * There is no build-status event: Bitbucket Server (Data Center) has none to subscribe to.
 */
export const SERVER_HOOK_EVENTS = [
  'repo:refs_changed',
  'pr:opened',
  'pr:from_ref_updated',
  'pr:modified',
  'pr:merged',
  'pr:declined',
  'pr:deleted',
] as const;

export type ServerPullEvent = 'pr:opened' | 'pr:from_ref_updated' | 'pr:modified' | 'pr:merged' | 'pr:declined';

/** What Bitbucket Server sends: the event key, a request id, and with a secret `X-Hub-Signature: sha256=…`. */
export function serverHeaders(hook: WebhookRecord, event: string, body: string, id: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Bitbucket version: 8.19.0, Post webhook plugin',
    'x-event-key': event,
    'x-request-id': id,
    ...(hook.secret !== undefined
      ? { 'x-hub-signature': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}` }
      : {}),
  };
}

// Bitbucket Server's webhook dates: "2018-07-05T19:33:20+0000".
const hookDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');

/**
 * A pull request event as Bitbucket Server sends it: `eventKey` repeated in the body, the pull
 * request as REST renders it, the merge commit for `pr:merged`, the previous head for
 * `pr:from_ref_updated`.
 */
export async function notifyPull(
  ctx: ServerContext,
  hooks: Webhooks,
  r: RepoHandle,
  pull: PullRecord,
  event: ServerPullEvent,
  by: string,
  extra: { mergeCommit?: string; previousFromHash?: string } = {},
): Promise<void> {
  if (!hooks.wants(r.fullName, event)) return;
  const pullRequest = await renderPull(ctx, r, pull);
  if (pull.state !== 'OPEN') pullRequest.closedDate = pull.updatedDate;
  if (extra.mergeCommit)
    pullRequest.properties = { mergeCommit: { displayId: extra.mergeCommit.slice(0, 11), id: extra.mergeCommit } };
  hooks.notify(r.fullName, event, event, {
    eventKey: event,
    date: hookDate(ctx.now()),
    actor: {
      name: by,
      emailAddress: `${by}@example.com`,
      id: 1,
      displayName: by,
      active: true,
      slug: by,
      type: 'NORMAL',
    },
    pullRequest,
    ...(extra.previousFromHash ? { previousFromHash: extra.previousFromHash } : {}),
  });
}
