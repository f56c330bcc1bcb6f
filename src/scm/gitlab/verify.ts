import { WebhookError } from '../../core/errors.js';
import type { WebhookContext, WebhookRequest } from '../contracts.js';
import { safeEqual, verifyStandardWebhook } from '../signature.js';

const STANDARD_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * GitLab sends the hook's secret token back verbatim in `X-Gitlab-Token`; newer instances with a
 * signing token also sign the Standard Webhooks way. Every check whose headers are present must
 * pass, and at least one must be present, so a request with neither is refused. The token is
 * checked against the host's secrets and its repositories' alike: which repository the request
 * is about is only known once the body is parsed, and the receiver checks that afterwards.
 */
export function verifyGitlabRequest(req: WebhookRequest, ctx: WebhookContext): number[] {
  const { matched, signed } = checkGitlabHeaders(req.headers, ctx);
  if (signed) matched.push(verifyStandardWebhook(req.headers, req.rawBody, ctx.secrets, ctx.now));
  return matched;
}

/**
 * The checks that need no body: a secret configured, a credential header present and, when
 * `X-Gitlab-Token` is sent, that it is one of the secrets (every secret compared, in constant
 * time). The receiver runs this before reading the body, so a wrong token costs a 401 and no
 * upload; `verifyGitlabRequest` runs it again with the Standard Webhooks signature over the body.
 * Returns the index of the secret the token matched (if a token was sent) and whether a
 * Standard Webhooks signature remains to be checked.
 */
export function checkGitlabHeaders(
  headers: WebhookRequest['headers'],
  ctx: Pick<WebhookContext, 'hostName' | 'secrets'>,
): { matched: number[]; signed: boolean } {
  if (ctx.secrets.length === 0) {
    throw new WebhookError(
      401,
      'secret_unset',
      `host "${ctx.hostName}" has no webhookSecret: set one in dispatchd's config and the same secret token on the GitLab hook`,
    );
  }
  const token = headers['x-gitlab-token'];
  const signed = STANDARD_HEADERS.some((h) => headers[h] !== undefined);
  if (token === undefined && !signed) {
    throw new WebhookError(
      401,
      'signature_missing',
      "missing X-Gitlab-Token header: set the hook's secret token in GitLab to the host's webhookSecret",
    );
  }
  const matched: number[] = [];
  if (token !== undefined) {
    // Test every secret, without stopping at the first match, so timing says nothing about which one matched.
    const index = ctx.secrets.map((s) => safeEqual(s, token)).indexOf(true);
    if (index < 0) {
      throw new WebhookError(
        401,
        'signature_invalid',
        "X-Gitlab-Token does not match: set the hook's secret token in GitLab to the host's (or the repository's) webhookSecret",
      );
    }
    matched.push(index);
  }
  return { matched, signed };
}
