import { WebhookError } from '../../core/errors.js';
import type { WebhookContext, WebhookRequest } from '../contracts.js';
import { verifyHubSignature } from '../signature.js';

/** Bitbucket Cloud signs the raw body with the hook secret: `X-Hub-Signature: sha256=<hex>`. */
export function verifyBitbucketCloudRequest(req: WebhookRequest, ctx: WebhookContext): number[] {
  if (ctx.secrets.length === 0) {
    throw new WebhookError(
      401,
      'secret_unset',
      `host "${ctx.hostName}" has no webhookSecret: set one in dispatchd's config and the same secret on the Bitbucket webhook`,
    );
  }
  return [verifyHubSignature(req.headers['x-hub-signature'], 'X-Hub-Signature', req.rawBody, ctx.secrets)];
}
