import { ZERO_SHA, type PushEvent } from '../../core/push-event.js';
import type { WebhookContext } from '../contracts.js';
import { splitRef } from '../payload.js';
import type { BitbucketServerPush } from './payload.js';
import { bitbucketServerRepoRef } from './repo-ref.js';

/**
 * One `PushEvent` per changed branch or tag (`<id>` for the first change, `<id>#<n>` after).
 * `repo:refs_changed` lists no commits, so there is no head commit or changed paths to report.
 */
export function bitbucketServerPushEvents(
  body: BitbucketServerPush,
  deliveryId: string,
  ctx: WebhookContext,
): PushEvent[] {
  const repo = bitbucketServerRepoRef(body.repository, ctx.hostUrl);
  const pusher = body.actor?.name ?? body.actor?.slug ?? body.actor?.displayName ?? 'unknown';
  return body.changes.flatMap((change, n) => {
    const ref = change.ref.id;
    const split = splitRef(ref);
    if (!split) return [];
    const deleted = change.type === 'DELETE';
    const event: PushEvent = {
      host: ctx.hostName,
      scm: 'bitbucket-server',
      deliveryId: n === 0 ? deliveryId : `${deliveryId}#${n}`,
      repo,
      ref,
      ...split,
      before: change.type === 'ADD' ? ZERO_SHA : change.fromHash,
      after: deleted ? ZERO_SHA : change.toHash,
      created: change.type === 'ADD',
      deleted,
      // refs_changed does not say whether an UPDATE was a fast-forward.
      forced: false,
      pusher,
      receivedAt: ctx.now,
    };
    return [event];
  });
}
