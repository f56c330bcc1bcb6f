import { WebhookError } from '../../core/errors.js';
import type { ParsedWebhook } from '../../core/push-event.js';
import type { WebhookContext, WebhookParser, WebhookRequest } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { BitbucketPush } from './payload.js';
import { bitbucketCloudPushEvents } from './push-events.js';
import { parseBitbucketCloudReview } from './review-events.js';
import { verifyBitbucketCloudRequest } from './verify.js';

/** Bitbucket Cloud repository webhooks; only `repo:push` is acted on. */
export function bitbucketCloudWebhookParser(): WebhookParser {
  const deliveryId = (req: WebhookRequest): string => {
    // X-Request-UUID stays the same when Bitbucket retries (X-Attempt-Number counts the retries).
    const id = req.headers['x-request-uuid'];
    if (!id) {
      throw new WebhookError(
        400,
        'delivery_id_missing',
        'Bitbucket Cloud request has no X-Request-UUID header: send webhooks from Bitbucket Cloud itself, or add the header',
      );
    }
    return id;
  };
  return {
    kind: 'bitbucket-cloud',
    verify: verifyBitbucketCloudRequest,
    deliveryId,
    parse(req: WebhookRequest, ctx: WebhookContext): ParsedWebhook {
      const event = req.headers['x-event-key'];
      if (event !== 'repo:push') {
        return (
          (event ? parseBitbucketCloudReview(event, req.rawBody, deliveryId(req), ctx) : undefined) ?? {
            kind: 'ignored',
            reason: `Bitbucket Cloud event "${event ?? '(no X-Event-Key)'}" is not acted on: dispatchd acts on repo:push, pullrequest:created/updated/fulfilled/rejected and repo:commit_status_created/updated`,
          }
        );
      }
      const body = parsePayload(req.rawBody, BitbucketPush, 'Bitbucket Cloud repo:push');
      const events = bitbucketCloudPushEvents(body, deliveryId(req), ctx);
      if (events.length === 0) return { kind: 'ignored', reason: 'Bitbucket Cloud repo:push changed no branch or tag' };
      return { kind: 'push', events };
    },
  };
}
