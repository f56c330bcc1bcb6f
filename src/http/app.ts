import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../audit/trail.js';
import { DispatchError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { contextOf, requestContext } from '../log/request-context.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PushJob } from '../queue/jobs.js';
import { requireAdmin, type AdminAuthOptions } from './admin-auth.js';
import { deliveriesRouter } from './api/deliveries.js';
import { replayRoute } from './api/replay.js';
import { dashboardRouter } from './dashboard/router.js';

export interface AppDeps {
  redis: Redis;
  log?: Logger;
  /** Admin token and demo loopback rule; without them admin routes answer 403. */
  admin?: AdminAuthOptions;
  metrics?: Metrics;
  /** config `metrics.public`: serve /metrics without the admin token. */
  metricsPublic?: boolean;
  audit?: AuditTrail;
  events?: Queue<PushJob>;
  /** Extra admin routers under /api (e.g. environments pause/resume). */
  apiRouters?: Router[];
  /** The webhook handler for `POST /api/replay/:host` (`dispatchd replay`), replay check off. */
  replay?: (host: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/**
 * Everything but the webhook path: health and readiness (open), the dashboard shell (open: it
 * holds no data), and behind the admin token the API and /metrics.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const ctx = contextOf(req);
    res.set('x-request-id', ctx.requestId);
    const started = Date.now();
    res.on('finish', () => {
      // originalUrl: routers rewrite req.url/path below their mount point. No query: it is not logged.
      const path = req.originalUrl.split('?')[0];
      const quiet = path === '/healthz' || path === '/readyz' || path === '/metrics';
      requestContext.run(ctx, () =>
        deps.log?.[quiet ? 'debug' : 'info'](
          { method: req.method, path, status: res.statusCode, ms: Date.now() - started },
          'request',
        ),
      );
    });
    requestContext.run(ctx, next);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      // A write, not a PING: a Redis out of memory (noeviction) or failing to persist (MISCONF)
      // still answers PING but refuses every delivery.
      await withTimeout(deps.redis.set('dispatchd:readyz', String(Date.now()), 'PX', 60_000), 1000);
      res.json({ status: 'ready', redis: 'ok' });
    } catch (err) {
      const said = (err as Error).message;
      const message = /^OOM/.test(said)
        ? 'Redis refuses writes: it is out of memory (maxmemory with noeviction); raise maxmemory or find what fills it'
        : /^MISCONF/.test(said)
          ? 'Redis refuses writes: it cannot persist to disk; check its disk and logs'
          : 'Redis is unreachable: check REDIS_URL and that Redis is running';
      res.status(503).json({ status: 'not ready', redis: said, message });
    }
  });
  const admin = requireAdmin(deps.admin ?? {});
  app.use(dashboardRouter());
  if (deps.metrics) {
    const registry = deps.metrics.registry;
    app.get('/metrics', ...(deps.metricsPublic ? [] : [admin]), async (_req, res) => {
      res.set('content-type', registry.contentType).send(await registry.metrics());
    });
  }
  // Before the API's JSON parser: the handler reads the raw bytes, which the signature covers.
  if (deps.replay) app.post('/api/replay/:host', admin, replayRoute(deps.replay));
  const api = express.Router();
  api.use(admin, express.json({ limit: '64kb' }));
  if (deps.audit && deps.events)
    api.use(deliveriesRouter({ audit: deps.audit, events: deps.events, redis: deps.redis }));
  // Mount point for further admin routers (environments pause/resume: src/http/api/environments.ts).
  for (const r of deps.apiRouters ?? []) api.use(r);
  app.use('/api', api);
  app.use((req, res) => {
    res.status(404).json({
      error: 'not_found',
      message: `no route ${req.method} ${req.path}: see docs/operations.md for the admin API`,
    });
  });
  app.use(errorHandler(deps.log));
  return app;
}

function errorHandler(log: Logger | undefined): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof DispatchError && err.status < 500) {
      res.status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status === 400 || status === 413) {
      res.status(status).json({ error: 'bad_request', message: (err as Error).message });
      return;
    }
    log?.error({ err: (err as Error).message }, 'admin request failed');
    res.status(err instanceof DispatchError ? err.status : 500).json({
      error: err instanceof DispatchError ? err.code : 'internal',
      message:
        err instanceof DispatchError
          ? err.message
          : "internal error: see the dispatchd logs (search for this request's x-request-id)",
    });
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
