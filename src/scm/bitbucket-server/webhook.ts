import { WebhookError } from '../../core/errors.js';
import type { ParsedWebhook } from '../../core/push-event.js';
import type { WebhookContext, WebhookParser, WebhookRequest } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { BitbucketServerPush } from './payload.js';
import { bitbucketServerPushEvents } from './push-events.js';
import { parseBitbucketServerReview } from './review-events.js';
import { verifyBitbucketServerRequest } from './verify.js';

/** Bitbucket Server / Data Center repository webhooks: `repo:refs_changed`, and the "Test connection" ping. */
export function bitbucketServerWebhookParser(): WebhookParser {
  const deliveryId = (req: WebhookRequest): string => {
    const id = req.headers['x-request-id'];
    if (!id) {
      throw new WebhookError(
        400,
        'delivery_id_missing',
        'Bitbucket Server request has no X-Request-Id header: send webhooks from Bitbucket Server 5.4+, or add the header',
      );
    }
    return id;
  };
  return {
    kind: 'bitbucket-server',
    verify: verifyBitbucketServerRequest,
    deliveryId,
    parse(req: WebhookRequest, ctx: WebhookContext): ParsedWebhook {
      const event = req.headers['x-event-key'];
      if (event === 'diagnostics:ping')
        return { kind: 'ping', message: 'Bitbucket Server test connection received; push events will be acted on' };
      if (event !== 'repo:refs_changed') {
        return (
          (event ? parseBitbucketServerReview(event, req.rawBody, deliveryId(req), ctx) : undefined) ?? {
            kind: 'ignored',
            reason: `Bitbucket Server event "${event ?? '(no X-Event-Key)'}" is not acted on: dispatchd acts on repo:refs_changed and pr:opened/from_ref_updated/merged/declined/deleted`,
          }
        );
      }
      const body = parsePayload(req.rawBody, BitbucketServerPush, 'Bitbucket Server repo:refs_changed');
      const events = bitbucketServerPushEvents(body, deliveryId(req), ctx);
      if (events.length === 0)
        return { kind: 'ignored', reason: 'Bitbucket Server repo:refs_changed changed no branch or tag' };
      return { kind: 'push', events };
    },
  };
}
