import type { z } from 'zod';
import { WebhookError } from '../core/errors.js';

/** Parses a raw body as JSON and checks it against the fields a parser reads. */
export function parsePayload<T extends z.ZodType>(rawBody: Buffer, schema: T, what: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new WebhookError(
      400,
      'body_not_json',
      `${what} body is not valid JSON (${(err as Error).message}): send the webhook with content type application/json`,
    );
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new WebhookError(
      400,
      'body_malformed',
      `${what} body is missing fields dispatchd needs: ${first.join('; ')}`,
    );
  }
  return result.data;
}

/** Sorted, de-duplicated union of the paths named in a payload's commit list. */
export function pathsOf(
  commits: { added?: string[] | null; modified?: string[] | null; removed?: string[] | null }[],
): string[] {
  const paths = new Set<string>();
  for (const c of commits)
    for (const p of [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]) paths.add(p);
  return [...paths].sort();
}

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1; anything else is not a push we act on. */
export function splitRef(ref: string): { refType: 'branch' | 'tag'; refName: string } | null {
  if (ref.startsWith('refs/heads/')) return { refType: 'branch', refName: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { refType: 'tag', refName: ref.slice('refs/tags/'.length) };
  return null;
}
