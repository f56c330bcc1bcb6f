import { pino, type Logger, type DestinationStream } from 'pino';
import { requestContext } from './request-context.js';

export type { Logger };

/** Field names never written to logs, at the top level or up to three levels down. */
const SECRET_FIELDS = [
  'token', 'password', 'privateKey', 'webhookSecret', 'secret', 'authorization', 'Authorization',
  'adminToken', 'cookie', '"x-gitlab-token"', '"x-hub-signature"', '"x-hub-signature-256"', 'extraHeader', 'headers',
];

/** Field paths never written to logs, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.*.${f}`),
  'req.headers.authorization', 'req.headers["x-gitlab-token"]',
];

/** Userinfo in URLs (`https://user:secret@host`), which error messages from git or HTTP clients may quote. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
/** `Bearer x`, `Basic x`, `token x` wherever a message quotes a header. */
const AUTH_SCHEMES = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Scrubs credentials out of free text (log messages and error strings). */
export function scrubText(s: string): string {
  return s.replace(URL_CREDENTIALS, '$1[redacted]@').replace(AUTH_SCHEMES, '$1 [redacted]');
}

/**
 * JSON logs (pino). Secrets are redacted by field path, and credentials quoted inside messages
 * (URLs with userinfo, Authorization values) are scrubbed. Lines written while serving a request
 * carry its `requestId` (and `deliveryId` for webhooks). Tests pass their own destination.
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'dispatchd',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      mixin() {
        const ctx = requestContext.get();
        return ctx ? { requestId: ctx.requestId, ...(ctx.deliveryId ? { deliveryId: ctx.deliveryId } : {}) } : {};
      },
      hooks: {
        // Scrub every string argument: the message and `err` strings interpolated into it.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log(obj) {
          for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') obj[k] = scrubText(v);
          return obj;
        },
      },
    },
    opts.destination,
  );
}
