import type { z } from 'zod';
import { WebhookError } from '../../core/errors.js';

/** Parses raw webhook bytes as JSON; a body that is not a JSON object is the sender's fault (400). */
export function readJsonObject(rawBody: Buffer, scmName: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new WebhookError(400, 'body_malformed', `${scmName} webhook body is not valid JSON (${(err as Error).message}): send the hook with content type application/json`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebhookError(400, 'body_malformed', `${scmName} webhook body must be a JSON object: check that the hook sends the SCM's standard payload`);
  }
  return value as Record<string, unknown>;
}

/** Validates the fields a parser reads, naming every missing or mistyped one in the 400 message. */
export function checkPayload<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new WebhookError(400, 'body_invalid', `${what} payload is missing or has mistyped fields (${problems}): send the SCM's standard payload unchanged`);
}
