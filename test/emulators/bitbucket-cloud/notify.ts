import { createHmac } from 'node:crypto';
import type { WebhookRecord, Webhooks } from '../common/webhooks.js';
import type { CloudContext, RepoHandle } from './context.js';
import { renderPull } from './pull-view.js';
import type { PullRecord, StatusRecord } from './store.js';

/** The event keys a Bitbucket Cloud repository webhook can subscribe to that the emulator sends. */
export const CLOUD_HOOK_EVENTS = [
  'repo:push',
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'repo:commit_status_created',
  'repo:commit_status_updated',
] as const;

/**
 * The headers Bitbucket Cloud sends: the event key, a request UUID per delivery (retries add
 * `X-Attempt-Number`), and with a secret `X-Hub-Signature: sha256=<hex HMAC of the body>`.
 */
export function cloudHeaders(hook: WebhookRecord, event: string, body: string, id: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Bitbucket-Webhooks/2.0',
    'x-event-key': event,
    'x-request-uuid': id,
    'x-hook-uuid': hookUuid(hook.id),
    'x-attempt-number': '1',
    ...(hook.secret !== undefined
      ? { 'x-hub-signature': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}` }
      : {}),
  };
}

/** A hook's `{uuid}`, as Bitbucket names webhooks and sends in `X-Hook-UUID`. */
export const hookUuid = (id: number) => `{00000000-0000-4000-8000-${String(id).padStart(12, '0')}}`;

const actor = (name: string) => ({ type: 'user', display_name: name, nickname: name.replace(/\s+/g, '-') });

function repository(ctx: CloudContext, r: RepoHandle): Record<string, unknown> {
  return {
    type: 'repository',
    full_name: r.fullName,
    name: r.fullName.split('/')[1] ?? '',
    uuid: r.state.uuid,
    links: { html: { href: `${ctx.base.url}/${r.fullName}` } },
  };
}

/** `pullrequest:created|updated|fulfilled|rejected` with the pull request as the API renders it. */
export async function notifyPull(
  ctx: CloudContext,
  hooks: Webhooks,
  r: RepoHandle,
  pull: PullRecord,
  event: 'pullrequest:created' | 'pullrequest:updated' | 'pullrequest:fulfilled' | 'pullrequest:rejected',
  by: string,
): Promise<void> {
  if (!hooks.wants(r.fullName, event)) return;
  hooks.notify(r.fullName, event, event, {
    pullrequest: {
      ...(await renderPull(ctx, r, pull)),
      reviewers: [],
      participants: [],
      closed_by: pull.state === 'OPEN' ? null : actor(by),
    },
    actor: actor(by),
    repository: repository(ctx, r),
  });
}

/** `repo:commit_status_created` for a new key on the commit, `_updated` when a key is posted again. */
export function notifyCommitStatus(
  ctx: CloudContext,
  hooks: Webhooks,
  r: RepoHandle,
  status: StatusRecord,
  isNew: boolean,
  by: string,
): void {
  const event = isNew ? 'repo:commit_status_created' : 'repo:commit_status_updated';
  const commit = `${ctx.base.apiUrl}/repositories/${r.fullName}/commit/${status.sha}`;
  hooks.notify(r.fullName, event, event, {
    commit_status: {
      name: status.name,
      description: status.description,
      state: status.state,
      key: status.key,
      url: status.url,
      type: 'build',
      created_on: status.createdOn,
      updated_on: status.updatedOn,
      links: {
        commit: { href: commit },
        self: { href: `${commit}/statuses/build/${encodeURIComponent(status.key)}` },
      },
    },
    actor: actor(by),
    repository: repository(ctx, r),
  });
}
