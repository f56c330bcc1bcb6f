import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookError } from '../core/errors.js';

/** Constant-time string comparison that does not leak the length through early exit. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  // Compare equal-length digests so timingSafeEqual never throws and length is not revealed.
  const ah = createHmac('sha256', 'dispatchd-compare').update(ab).digest();
  const bh = createHmac('sha256', 'dispatchd-compare').update(bb).digest();
  return timingSafeEqual(ah, bh) && ab.length === bb.length;
}

export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Verifies a `sha256=<hex>` header (GitHub `X-Hub-Signature-256`, Bitbucket `X-Hub-Signature`)
 * over the raw body against each of the secrets; returns the index of the one that signed it.
 */
export function verifyHubSignature(
  header: string | undefined,
  headerName: string,
  body: Buffer,
  secrets: string[],
): number {
  if (!header) {
    throw new WebhookError(
      401,
      'signature_missing',
      `missing ${headerName} header: set the webhook secret on the SCM to the one in dispatchd's config`,
    );
  }
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) {
    throw new WebhookError(
      401,
      'signature_malformed',
      `${headerName} must be "sha256=<64 hex digits>"; choose SHA-256 signatures in the webhook settings`,
    );
  }
  const given = Buffer.from(match[1]!, 'hex');
  // Every secret is tried before looking for the match, so timing does not tell which one it was.
  // Both sides are 32-byte digests (the header was checked for 64 hex digits), so timingSafeEqual
  // compares them directly: no length to hide.
  const index = secrets.map((s) => timingSafeEqual(createHmac('sha256', s).update(body).digest(), given)).indexOf(true);
  if (index < 0) {
    throw new WebhookError(
      401,
      'signature_invalid',
      `${headerName} does not match the body: check that the webhook secret equals the host's (or the repository's) webhookSecret`,
    );
  }
  return index;
}

/** Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature) tolerance. */
export const STANDARD_WEBHOOKS_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * Verifies Standard Webhooks headers: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.ts.body">`
 * (space-separated list allowed), timestamp within ±5 minutes of `now`. Secrets given as
 * `whsec_<base64>` use the decoded bytes as key, as the spec says; others are used as UTF-8.
 * Returns the index of the secret that signed it.
 */
export function verifyStandardWebhook(
  headers: Record<string, string | undefined>,
  body: Buffer,
  secrets: string[],
  now: number,
): number {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (!id || !ts || !sig) {
    throw new WebhookError(
      401,
      'signature_missing',
      'missing webhook-id, webhook-timestamp or webhook-signature header (Standard Webhooks): sign the request with the host secret',
    );
  }
  const seconds = Number(ts);
  if (!/^\d+$/.test(ts) || Math.abs(now - seconds * 1000) > STANDARD_WEBHOOKS_TOLERANCE_MS) {
    throw new WebhookError(
      401,
      'signature_stale',
      'webhook-timestamp is more than 5 minutes from the server clock: check both clocks (NTP) and resend',
    );
  }
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
  const given = sig.split(' ').flatMap((part) => (part.startsWith('v1,') ? [part.slice(3)] : []));
  const index = secrets
    .map((secret) => {
      const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
      const expected = createHmac('sha256', key).update(signed).digest('base64');
      return given.map((g) => safeEqual(expected, g)).includes(true);
    })
    .indexOf(true);
  if (index < 0) {
    throw new WebhookError(
      401,
      'signature_invalid',
      "webhook-signature does not match: check that the sender signs with the host's (or the repository's) webhookSecret",
    );
  }
  return index;
}

/** Signs a body the Standard Webhooks way (used by the `git` host hook script and by `replay`). */
export function signStandardWebhook(
  id: string,
  timestampSeconds: number,
  body: Buffer | string,
  secret: string,
): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}
