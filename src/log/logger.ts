import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Field paths never written to logs, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'token', 'password', 'privateKey', 'webhookSecret', 'secret', 'authorization', 'Authorization',
  '*.token', '*.password', '*.privateKey', '*.webhookSecret', '*.secret', '*.authorization', '*.Authorization',
  'headers.authorization', 'headers["x-gitlab-token"]', 'req.headers.authorization', 'req.headers["x-gitlab-token"]',
];

/** JSON logs (pino); secrets redacted by path. Tests pass their own destination to read them. */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'dispatchd',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    opts.destination,
  );
}
