import type { Server } from 'node:http';
import type { DispatchdConfig } from '../config/schema.js';
import { toMs } from '../config/duration.js';
import { createApp } from '../http/app.js';
import { createHookHandler } from '../http/hooks.js';
import { createHttpServer } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { createInbox } from '../queue/inbox.js';
import { createParserRegistry } from '../scm/parsers.js';
import type { Producer } from './connections.js';
import type { Observer } from '../telemetry/observer.js';

/** Builds the HTTP server (not listening yet) over an open producer connection. */
export function buildReceiver(config: DispatchdConfig, producer: Producer, log: Logger, observer?: Observer): Server {
  const inbox = createInbox({ redis: producer.redis, events: producer.events, deliveryTtlMs: toMs(config.deliveryTtl) });
  const hooks = createHookHandler({ config, inbox, parsers: createParserRegistry(), log, ...(observer?.webhook ? { observe: (o) => observer.webhook?.(o) } : {}) });
  return createHttpServer(hooks, createApp({ redis: producer.redis }));
}
