import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { DispatchdConfig } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { createHttpServer, edgeLimitsOf } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import type { Producer } from './connections.js';
import type { ReceiverOptions } from './receiver.js';

/**
 * What `dispatchd worker` serves on PORT: health, readiness and this process's /metrics (job
 * durations, SCM calls and git pushes are counted where the workers run), behind the same token.
 * It has the receiver's HTTP edge (config `http`, docs/reliability.md#the-http-edge): slow
 * clients and connection floods are cut off in seconds here too.
 */
export function buildWorkerServer(
  config: DispatchdConfig,
  producer: Producer,
  log: Logger,
  opts: ReceiverOptions = {},
): Server {
  const app = createApp({
    redis: producer.redis,
    log,
    metrics: producer.metrics,
    metricsPublic: config.metrics?.public ?? false,
    admin: {
      ...(opts.adminToken ? { token: opts.adminToken } : {}),
      openOnLoopback: opts.openAdminOnLoopback ?? false,
    },
  });
  // A worker receives no webhooks: /hooks/* goes to the app like any other path (and is not found there).
  const noHooks = async (_name: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    app(req, res);
  };
  return createHttpServer(noHooks, app, edgeLimitsOf(config.http));
}
