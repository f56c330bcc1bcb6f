import type { Server } from 'node:http';
import type { DispatchdConfig } from '../config/schema.js';
import { toMs } from '../config/duration.js';
import { auditKeys } from '../audit/keys.js';
import { auditId } from '../audit/record.js';
import { createApp } from '../http/app.js';
import { environmentsRouter } from '../http/api/environments.js';
import { hostsRouter } from '../http/api/hosts.js';
import { rollbackRouter } from '../http/api/rollback.js';
import { createHookHandler, type HookDeps } from '../http/hooks.js';
import { createHttpServer, edgeLimitsOf } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { contextOf, requestContext } from '../log/request-context.js';
import { createInbox } from '../queue/inbox.js';
import { createWebhookParsers } from '../scm/parsers.js';
import type { Producer } from './connections.js';
import type { Observer } from '../telemetry/observer.js';
import { telemetryFor } from './telemetry.js';

export interface ReceiverOptions {
  /** DISPATCHD_ADMIN_TOKEN (Settings.adminToken): the bearer token for the API, dashboard data and /metrics. */
  adminToken?: string;
  /**
   * Only for the offline demo: with no admin token, answer admin routes for requests from
   * 127.0.0.1/::1 instead of refusing them with 403.
   */
  openAdminOnLoopback?: boolean;
}

/**
 * Builds the HTTP server (not listening yet) over an open producer connection. Metrics and the
 * audit trail are always fed; `observer`, when given, is called as well.
 */
export function buildReceiver(
  config: DispatchdConfig,
  producer: Producer,
  log: Logger,
  observer?: Observer,
  opts: ReceiverOptions = {},
): Server {
  const t = telemetryFor(config, producer, log, observer);
  const inbox = createInbox({
    redis: producer.redis,
    events: producer.events,
    replicaAck: producer.replicaAck(),
    deliveryTtlMs: toMs(config.deliveryTtl),
    replayWindowMs: toMs(config.replayWindow),
    // Accepted pushes are in the audit trail from their 202 on, written by the same script.
    audit: {
      retentionMs: t.auditRetentionMs,
      index: auditKeys.index(),
      idOf: auditId,
      keyOf: auditKeys.delivery,
    },
  });
  const observe: HookDeps['observe'] = (o) => {
    t.observer.webhook?.(o);
    if (o.replays) t.replayed(o.replays);
  };
  const parsers = createWebhookParsers();
  const handle = createHookHandler({ config, inbox, parsers, log, observe });
  const headersOf = (host: string) =>
    Object.hasOwn(config.hosts, host) ? parsers[config.hosts[host]!.kind].headers : { delivery: [], event: '' };
  // Each webhook runs in its request context: its log lines carry requestId and deliveryId.
  const hooks = (host: string, req: Parameters<typeof handle>[1], res: Parameters<typeof handle>[2]) =>
    requestContext.run(contextOf(req, { webhook: headersOf(host) }), () => handle(host, req, res));
  // `dispatchd replay`: the same signed request, through the admin token, without the body
  // check. Its log lines keep the request id Express already answered with.
  const replay = (host: string, req: Parameters<typeof handle>[1], res: Parameters<typeof handle>[2]) => {
    const requestId = requestContext.get()?.requestId;
    return requestContext.run(
      { ...contextOf(req, { webhook: headersOf(host) }), ...(requestId ? { requestId } : {}) },
      () => handle(host, req, res, { operatorReplay: true }),
    );
  };
  // The dispatchd_host_* gauges read the hosts' waiting jobs from the same Redis.
  producer.metrics.readHostsFrom(producer.redis);
  const app = createApp({
    redis: producer.redis,
    log,
    metrics: producer.metrics,
    metricsPublic: config.metrics?.public ?? false,
    audit: t.audit,
    events: producer.events,
    // Pause/resume of environments (docs/gitops.md), behind the same admin token.
    // GET /api/hosts: which host is failing and how many jobs wait on it (docs/operations.md).
    apiRouters: [
      environmentsRouter({ redis: producer.redis, gitops: producer.gitops, config }),
      hostsRouter({ redis: producer.redis, config }),
      rollbackRouter({ redis: producer.redis, promotions: producer.promotions, config }),
    ],
    replay,
    admin: {
      ...(opts.adminToken ? { token: opts.adminToken } : {}),
      openOnLoopback: opts.openAdminOnLoopback ?? false,
    },
  });
  // The HTTP edge (config `http`): slow clients and connection floods are cut off in seconds.
  return createHttpServer(hooks, app, edgeLimitsOf(config.http));
}
