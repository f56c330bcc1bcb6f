import { createServer, type Server } from 'node:http';
import type { DispatchdConfig } from '../config/schema.js';
import { createApp } from '../http/app.js';
import type { Logger } from '../log/logger.js';
import type { Producer } from './connections.js';
import type { ReceiverOptions } from './receiver.js';

/**
 * What `dispatchd worker` serves on PORT: health, readiness and this process's /metrics (job
 * durations, SCM calls and git pushes are counted where the workers run), behind the same token.
 */
export function buildWorkerServer(config: DispatchdConfig, producer: Producer, log: Logger, opts: ReceiverOptions = {}): Server {
  return createServer(createApp({
    redis: producer.redis,
    log,
    metrics: producer.metrics,
    metricsPublic: config.metrics?.public ?? false,
    admin: { ...(opts.adminToken ? { token: opts.adminToken } : {}), openOnLoopback: opts.openAdminOnLoopback ?? false },
  }));
}
