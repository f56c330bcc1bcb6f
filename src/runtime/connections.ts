import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EVENTS_QUEUE, GITOPS_QUEUE, QUEUE_PREFIX } from '../queue/names.js';
import type { GitopsJob, PushJob } from '../queue/jobs.js';
import { createMetrics } from '../metrics/metrics.js';

/**
 * Producer-side connections. `enableOfflineQueue: false` makes commands fail at once while Redis
 * is down, so the receiver answers 503 quickly instead of holding the request.
 */
export function openProducer(redisUrl: string) {
  const open = () => {
    const r = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false });
    r.on('error', () => undefined);
    return r;
  };
  // Two connections: BullMQ loads its ~60 Lua scripts into the queues' connection, and ioredis
  // copies them onto every multi() made there (≈ 360 µs against ≈ 45 µs, measured by
  // `npm run bench -- --diagnose`). The inbox, audit trail and API use the plain one.
  const redis = open();
  const queueRedis = open();
  const events = new Queue<PushJob>(EVENTS_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
  const gitops = new Queue<GitopsJob>(GITOPS_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
  events.on('error', () => undefined);
  gitops.on('error', () => undefined);
  return {
    redis,
    /** This process's metrics: receiver and workers built over this producer share them. */
    metrics: createMetrics({ queues: [events, gitops] }),
    /** Waits for the first connection, so that start-up does not answer 503 to early webhooks. */
    ready: (timeoutMs = 10_000) =>
      Promise.all([redis, queueRedis].map((r) => r.status === 'ready' ? Promise.resolve() : new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`Redis at ${redisUrl.replace(/\/\/[^@]*@/, '//***@')} not reachable within ${timeoutMs} ms: check REDIS_URL`)), timeoutMs);
        r.once('ready', () => { clearTimeout(t); res(); });
      }))).then(() => undefined),
    events,
    gitops,
    async close() {
      await Promise.allSettled([events.close(), gitops.close()]);
      redis.disconnect();
      queueRedis.disconnect();
    },
  };
}
export type Producer = ReturnType<typeof openProducer>;

/** Workers block on Redis; BullMQ requires `maxRetriesPerRequest: null` for them. */
export function openWorkerConnection(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  return redis;
}
