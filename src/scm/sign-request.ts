import { randomUUID } from 'node:crypto';
import type { ScmKind } from '../core/push-event.js';
import { hmacSha256Hex, signStandardWebhook } from './signature.js';

export interface SignOptions {
  /** The SCM's event name; defaults to that SCM's push event. */
  event?: string;
  /** Defaults to a fresh UUID. */
  deliveryId?: string;
  /** Standard Webhooks timestamp in seconds (git, and GitLab with `standardWebhooks`); defaults to now. */
  timestampSeconds?: number;
  /** GitLab only: also sign the Standard Webhooks way, as instances with a signing token do. */
  standardWebhooks?: boolean;
}

/** Each SCM's name for a push, as its event header carries it. */
export const PUSH_EVENT: Record<ScmKind, string> = {
  github: 'push',
  gitlab: 'Push Hook',
  'bitbucket-cloud': 'repo:push',
  'bitbucket-server': 'repo:refs_changed',
  git: 'push',
};

/**
 * The headers an SCM sends with a webhook body, signed with `secret` the way that SCM signs
 * (lower-cased names, as node:http presents them). `dispatchd replay` sends stored payloads with
 * them; parser and end-to-end tests use them to play the SCM.
 */
export function signedRequest(
  kind: ScmKind,
  body: Buffer | string,
  secret: string,
  opts: SignOptions = {},
): { headers: Record<string, string>; rawBody: Buffer } {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const event = opts.event ?? PUSH_EVENT[kind];
  const id = opts.deliveryId ?? randomUUID();
  const ts = opts.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const common = { 'content-type': 'application/json' };
  const standard = (): Record<string, string> => ({
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signStandardWebhook(id, ts, rawBody, secret),
  });
  switch (kind) {
    case 'github':
      return {
        rawBody,
        headers: {
          ...common,
          'x-github-event': event,
          'x-github-delivery': id,
          'x-hub-signature-256': `sha256=${hmacSha256Hex(secret, rawBody)}`,
        },
      };
    case 'gitlab':
      return {
        rawBody,
        headers: {
          ...common,
          'x-gitlab-event': event,
          'x-gitlab-token': secret,
          'x-gitlab-event-uuid': id,
          'idempotency-key': id,
          ...(opts.standardWebhooks ? standard() : {}),
        },
      };
    case 'bitbucket-cloud':
      return {
        rawBody,
        headers: {
          ...common,
          'x-event-key': event,
          'x-request-uuid': id,
          'x-attempt-number': '1',
          'x-hub-signature': `sha256=${hmacSha256Hex(secret, rawBody)}`,
        },
      };
    case 'bitbucket-server':
      return {
        rawBody,
        headers: {
          ...common,
          'x-event-key': event,
          'x-request-id': id,
          'x-hub-signature': `sha256=${hmacSha256Hex(secret, rawBody)}`,
        },
      };
    case 'git':
      return { rawBody, headers: { ...common, 'x-dispatchd-event': event, ...standard() } };
  }
}
