import { WebhookError } from '../../core/errors.js';
import type { ParsedWebhook } from '../../core/push-event.js';
import type { WebhookContext, WebhookParser, WebhookRequest } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { GitlabEventKind, GitlabPush } from './payload.js';
import { gitlabPushEvent } from './push-event.js';
import { parseGitlabReview } from './review-events.js';
import { verifyGitlabRequest } from './verify.js';

const PUSH_KINDS = new Set(['push', 'tag_push']);

/** GitLab project and system hooks. Everything not a push is answered 2xx: GitLab disables hooks that get errors. */
export function gitlabWebhookParser(): WebhookParser {
  const deliveryId = (req: WebhookRequest): string => {
    // Idempotency-Key (GitLab 17.4+) is kept across retries; the event UUID is the older fallback.
    const id = req.headers['idempotency-key'] || req.headers['x-gitlab-event-uuid'];
    if (!id) {
      throw new WebhookError(
        400,
        'delivery_id_missing',
        'GitLab request has neither Idempotency-Key nor X-Gitlab-Event-UUID: send webhooks from GitLab itself, or add one of these headers',
      );
    }
    return id;
  };
  return {
    kind: 'gitlab',
    headers: { delivery: ['idempotency-key', 'x-gitlab-event-uuid'], event: 'x-gitlab-event' },
    verify: verifyGitlabRequest,
    deliveryId,
    parse(req: WebhookRequest, ctx: WebhookContext): ParsedWebhook {
      // System hooks arrive as "System Hook" and some carry only `event_name`, so the body decides.
      // Routing reads the body once loosely, so that bodies of events we ignore are never refused.
      const route = parsePayload(req.rawBody, GitlabEventKind, 'GitLab webhook');
      const kind = nonEmpty(route.object_kind) ?? nonEmpty(route.event_name);
      const header = req.headers['x-gitlab-event'] ?? 'no X-Gitlab-Event';
      if (!kind)
        return {
          kind: 'ignored',
          reason: `GitLab event (${header}) has no object_kind or event_name; dispatchd acts on push, tag push, merge request, note (chatops), job and pipeline events`,
        };
      if (!PUSH_KINDS.has(kind))
        return (
          reviewOrIgnored(() => parseGitlabReview(kind, req.rawBody, deliveryId(req), ctx)) ?? {
            kind: 'ignored',
            reason: `GitLab event "${kind}" (${header}) is not acted on: dispatchd acts on push, tag push, merge request, note (chatops), job and pipeline events`,
          }
        );
      const push = parsePayload(req.rawBody, GitlabPush, `GitLab ${kind}`);
      const event = gitlabPushEvent(push, deliveryId(req), ctx);
      if ('ignored' in event) return { kind: 'ignored', reason: event.ignored };
      return { kind: 'push', events: [event] };
    },
  };
}

/** A merge request or job body we cannot read is answered 2xx with the reason: GitLab disables hooks that get errors. */
function reviewOrIgnored(parse: () => ParsedWebhook | undefined): ParsedWebhook | undefined {
  try {
    return parse();
  } catch (err) {
    if (err instanceof WebhookError && err.status === 400) return { kind: 'ignored', reason: err.message };
    throw err;
  }
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
