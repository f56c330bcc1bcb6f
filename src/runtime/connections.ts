import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { PUSH_QUEUE, GITOPS_QUEUE, QUEUE_PREFIX } from '../queue/names.js';
import type { GitopsJob, PushJob } from '../queue/jobs.js';
import { createReplicaAck, type ReplicaAck } from '../queue/replica-ack.js';
import { describeRedisTarget, parseRedisTarget, redisClientArgs, type RedisTarget } from '../redis/target.js';
import { createMetrics } from '../metrics/metrics.js';
import { PROMOTIONS_QUEUE, type PromotionJob } from '../promotion/queue.js';

/**
 * One connection to the target: a redis:// URL, or the master a Sentinel group names (ioredis
 * asks the sentinels again on every reconnect, so after a failover it lands on the new master).
 * A demoted master answers writes with READONLY: reconnecting finds the new one; `resend` also
 * sends the refused command again there (for workers, whose commands wait; not for the receiver,
 * whose answer is already a 503).
 */
function openRedis(target: RedisTarget, options: RedisOptions, resend: boolean): Redis {
  const { url, options: base } = redisClientArgs(target);
  const merged: RedisOptions = {
    ...base,
    ...options,
    ...(target.sentinel
      ? { reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? (resend ? 2 : 1) : false) }
      : {}),
  };
  const r = url ? new Redis(url, merged) : new Redis(merged);
  r.on('error', () => undefined);
  return r;
}

/** How long after ioredis gave a connection up it is opened again. */
const REOPEN_MS = 1000;

/**
 * ioredis ends a connection for good when a reconnect's connect() fails (a connector closed
 * while it resolved the master, an error its retry strategy is not asked about); a receiver
 * whose connections ended would answer 503 until restarted. Unless the producer is closing, an
 * ended connection is opened again after REOPEN_MS, and again after each failed attempt.
 */
function keptOpen(r: Redis, closing: () => boolean): Redis {
  r.on('end', () => {
    if (closing()) return;
    setTimeout(() => {
      if (!closing() && r.status === 'end') r.connect().catch(() => undefined);
    }, REOPEN_MS).unref();
  });
  return r;
}

/** Connections for the add + WAIT of deliveries, when replicas must acknowledge them. */
const ACK_CONNECTIONS = 4;

/**
 * Producer-side connections. `enableOfflineQueue: false` makes commands fail at once while Redis
 * is down (or while a Sentinel failover is under way), so the receiver answers 503 quickly
 * instead of holding the request. `redisUrl` takes every form of src/redis/target.ts.
 */
export function openProducer(redisUrl: string) {
  const target = parseRedisTarget(redisUrl);
  let closing = false;
  const open = () =>
    keptOpen(
      openRedis(
        target,
        { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false },
        false,
      ),
      () => closing,
    );
  // Two connections: BullMQ loads its ~60 Lua scripts into the queues' connection, and ioredis
  // copies them onto every multi() made there (≈ 360 µs against ≈ 45 µs, measured by
  // `npm run bench -- --diagnose`). The inbox, audit trail and API use the plain one.
  // Auto-pipelining on the plain one: the accept scripts of webhooks arriving in the same tick
  // leave in one socket write instead of one each (the claim was the receiver's costliest frame
  // in a `npm run bench -- --profile` run; docs/benchmark.md). Each is still its own script call.
  const redis = keptOpen(
    openRedis(
      target,
      {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        lazyConnect: false,
        enableAutoPipelining: true,
      },
      false,
    ),
    () => closing,
  );
  const queueRedis = open();
  const events = new Queue<PushJob>(PUSH_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
  const gitops = new Queue<GitopsJob>(GITOPS_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
  const promotions = new Queue<PromotionJob>(PROMOTIONS_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
  events.on('error', () => undefined);
  gitops.on('error', () => undefined);
  promotions.on('error', () => undefined);
  // With replicas required, connections of their own carry the inbox's claim + WAIT (replica-ack.ts):
  // WAIT holds the connection it runs on, which must not be the one the API and audit trail use.
  // Opened when an inbox asks for them (receivers), not in worker-only processes.
  const ackRedis: Redis[] = [];
  let ack: ReplicaAck | undefined;
  const replicaAck = () => {
    if (target.minReplicasToAck <= 0) return undefined;
    if (!ack) {
      for (let i = 0; i < ACK_CONNECTIONS; i++) ackRedis.push(open());
      ack = createReplicaAck(ackRedis, target.minReplicasToAck, target.ackTimeoutMs);
    }
    return ack;
  };
  const connections = () => [redis, queueRedis, ...ackRedis];
  return {
    redis,
    /**
     * "Acknowledged by a replica" (`redis.minReplicasToAck`): the claim + WAIT the receiver's
     * inbox runs, or undefined when no replica is required. Its connections are opened on the
     * first ask (receivers), not in worker-only processes.
     */
    replicaAck,
    /** This process's metrics: receiver and workers built over this producer share them. */
    metrics: createMetrics({ queues: [events, gitops] }),
    /** Waits for the first connection, so that start-up does not answer 503 to early webhooks. */
    ready: (timeoutMs = 10_000) =>
      Promise.all(
        connections().map((r) =>
          r.status === 'ready'
            ? Promise.resolve()
            : new Promise<void>((res, rej) => {
                const t = setTimeout(
                  () =>
                    rej(
                      new Error(
                        `Redis ${target.sentinel ? '' : 'at '}${describeRedisTarget(target)} not reachable within ${timeoutMs} ms: check ` +
                          `${target.sentinel ? 'the sentinels, the master name and the passwords (config redis or REDIS_URL)' : 'REDIS_URL'}`,
                      ),
                    ),
                  timeoutMs,
                );
                r.once('ready', () => {
                  clearTimeout(t);
                  res();
                });
              }),
        ),
      ).then(() => undefined),
    events,
    gitops,
    /** Promotion checks and rollbacks (docs/promotion.md). */
    promotions,
    async close() {
      closing = true;
      await Promise.allSettled([events, gitops, promotions].map((q) => q.close()));
      for (const r of connections()) r.disconnect();
    },
  };
}
export type Producer = ReturnType<typeof openProducer>;

/**
 * Workers block on Redis; BullMQ requires `maxRetriesPerRequest: null` for them. BullMQ's
 * blocking connections are `duplicate()`s of this one, so they follow the same Sentinel group.
 */
export function openWorkerConnection(redisUrl: string): Redis {
  return openRedis(parseRedisTarget(redisUrl), { maxRetriesPerRequest: null }, true);
}
