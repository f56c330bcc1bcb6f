/**
 * What may not leave the process in a log line, wherever it sits in the logged object: fields
 * named like secrets (at any depth, in arrays too), credentials inside URLs (userinfo, `token=`
 * style query values) and Authorization values quoted in text. Used by the logger's formatters
 * (src/log/logger.ts) on every line; it copies only what it changes and never touches the
 * caller's objects.
 */

/** Field names whose values are never logged (compared lower-case, `-`/`_` ignored). */
const SECRET_NAMES = [
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'password',
  'passwd',
  'privatekey',
  'webhooksecret',
  'secret',
  'clientsecret',
  'authorization',
  'proxyauthorization',
  'admintoken',
  'cookie',
  'setcookie',
  'apikey',
  'xgitlabtoken',
  'xhubsignature',
  'xhubsignature256',
  'webhooksignature',
  'extraheader',
  'headers',
  'sentinelpassword',
];
const SECRET_SET = new Set(SECRET_NAMES);
const normalise = (k: string) => k.toLowerCase().replace(/[-_]/g, '');
/** True for a field name whose value is a secret. */
export const isSecretField = (key: string): boolean => SECRET_SET.has(normalise(key));

export const CENSOR = '[redacted]';
/** How deep the walk goes and how many entries per object/array it looks at: beyond, `[truncated]`. */
const MAX_DEPTH = 6;
const MAX_ENTRIES = 200;

/** Userinfo in URLs: `scheme://user:secret@` keeps the user, `scheme://secret@` hides it all. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(:[^\s/?#@]*)?@/gi;
/** Credential-carrying query parameters (`?token=x`, `&access_token=x`, `private_token`, `sig`…). */
const QUERY_SECRET =
  /([?&;](?:[a-z0-9_.-]*token|password|passwd|secret|sig|signature|key|api_key|apikey|client_secret|code)=)[^&#\s"']*/gi;
/** `Bearer x`, `Basic x`, `token x` wherever a message quotes a header. */
const AUTH_SCHEMES = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/** Cheap pre-check: most strings hold none of the above and skip the three replaces. */
const MAYBE = /:\/\/|=|Bearer|Basic|token/i;

/** Scrubs credentials out of free text: URL userinfo, secret query values, Authorization values. */
export function scrubText(s: string): string {
  if (!MAYBE.test(s)) return s;
  return s
    .replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string | undefined) =>
      pass === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
    )
    .replace(QUERY_SECRET, '$1***')
    .replace(AUTH_SCHEMES, '$1 [redacted]');
}

/**
 * The value with secrets removed: strings scrubbed, secret-named fields censored, objects and
 * arrays walked to a bounded depth. Returns the same reference when nothing changed, so a clean
 * line costs a walk and no copy. Errors become `{type, message, stack, …}` (as pino's err
 * serializer would print them), scrubbed.
 */
export function redactValue(value: unknown, depth = 0, seen?: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp)
    return value;
  const visited = seen ?? new WeakSet<object>();
  if (visited.has(value)) return '[circular]';
  visited.add(value);
  try {
    if (value instanceof Error) return redactError(value, depth, visited);
    if (value instanceof URL) return scrubText(value.href);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      const n = Math.min(value.length, MAX_ENTRIES);
      for (let i = 0; i < n; i++) {
        const v = redactValue(value[i], depth + 1, visited);
        if (v !== value[i]) (out ??= value.slice(0, n))[i] = v;
      }
      if (value.length > MAX_ENTRIES) (out ??= value.slice(0, n)).push(`[${value.length - MAX_ENTRIES} more]`);
      return out ?? value;
    }
    if (value instanceof Map) return redactValue(Object.fromEntries(value), depth, visited);
    return redactObject(value as Record<string, unknown>, depth, visited);
  } finally {
    visited.delete(value);
  }
}

/** Like `redactValue` for a plain object (the merged log object itself: depth 0). */
export function redactObject<T extends Record<string, unknown>>(obj: T, depth = 0, seen?: WeakSet<object>): T {
  let out: Record<string, unknown> | undefined;
  let count = 0;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    if (++count > MAX_ENTRIES) {
      out ??= { ...obj };
      delete out[key];
      continue;
    }
    const v = obj[key];
    const next =
      isSecretField(key) && v !== undefined && v !== null && v !== '' ? CENSOR : redactValue(v, depth + 1, seen);
    if (next !== v) (out ??= { ...obj })[key] = next;
  }
  return (out ?? obj) as T;
}

function redactError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const own = redactObject({ ...(err as unknown as Record<string, unknown>) }, depth, seen);
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? 'Error',
    message: scrubText(err.message),
    ...own,
  };
  if (err.stack) out.stack = scrubText(err.stack);
  if (err.cause !== undefined) out.cause = redactValue(err.cause, depth + 1, seen);
  return out;
}
