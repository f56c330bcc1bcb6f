import { pino, type Logger, type DestinationStream } from 'pino';
import { redactObject, scrubText } from './redact.js';
import { requestContext } from './request-context.js';

export type { Logger };

export { scrubText } from './redact.js';

/**
 * JSON logs (pino). Every line goes through `redactObject` (src/log/redact.ts): secret-named
 * fields are censored at any depth (in arrays too), and credentials inside strings (URL userinfo
 * `https://user:***@host`, `?token=***`-style query values, Authorization values) are scrubbed;
 * child-logger bindings and the message get the same. pino's own `redact` paths are not used:
 * they are fixed-depth, and the walk is bounded (depth 6, 200 entries per object) and copies
 * only what it changes. Lines written while serving a request carry its `requestId` (and
 * `deliveryId` for webhooks). Tests pass their own destination.
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const logger = pino(
    {
      name: 'dispatchd',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
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
        log: (obj) => redactObject(obj),
      },
    },
    opts.destination,
  );
  // pino formats a child's bindings once, without formatters.bindings: redact them on the way
  // in. Children are prototypes of this logger, so their own children come through here too.
  const child = logger.child;
  logger.child = function redactedChild(
    this: Logger,
    bindings: Record<string, unknown>,
    options?: Parameters<Logger['child']>[1],
  ) {
    return child.call(this, redactObject(bindings), options);
  } as Logger['child'];
  return logger;
}
