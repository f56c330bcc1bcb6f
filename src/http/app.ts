import express, { type Express } from 'express';
import type { Redis } from 'ioredis';

export interface AppDeps {
  redis: Redis;
}

/** Everything but the webhook path: health, readiness (and later the API and dashboard). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(deps.redis.ping(), 1000);
      res.json({ status: 'ready', redis: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', redis: (err as Error).message, message: 'Redis is unreachable: check REDIS_URL and that Redis is running' });
    }
  });
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}
