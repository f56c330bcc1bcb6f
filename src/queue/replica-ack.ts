import { Job, type IRedisTransaction, type JobsOptions, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';
import type { PushJob, ReviewJob } from './jobs.js';

/** The 503 code when replicas did not confirm a delivery in time. */
export const NOT_REPLICATED = 'redis_not_replicated';

/**
 * "Acknowledged by a replica" (config `redis.minReplicasToAck`): a delivery is answered 202 only
 * once that many replicas hold its job, so a failover to one of them cannot lose it.
 */
export interface ReplicaAck {
  replicas: number;
  timeoutMs: number;
  /**
   * Adds the push job, then `WAIT replicas timeoutMs`, in one round trip. Resolves once enough
   * replicas have the job; otherwise throws a TransientError (503) and the delivery stays
   * pending ("p:<seq>"), so the SCM's redelivery adds nothing twice and completes it.
   */
  add(
    data: PushJob | ReviewJob,
    opts: JobsOptions & { jobId: string },
    deliveryKey: string,
    ttlMs: number,
    name?: 'push' | 'review',
  ): Promise<void>;
}

// openProducer attaches the setting to the connection the inbox is given (the receiver builds
// the inbox from `producer.redis`); whether a 202 waits for replicas is a property of the Redis
// deployment that connection reaches. Made on first ask: a worker-only process, which builds no
// inbox, opens no connection for it.
const attached = new WeakMap<Redis, () => ReplicaAck>();
export function attachReplicaAck(redis: Redis, make: () => ReplicaAck): void {
  let ack: ReplicaAck | undefined;
  attached.set(redis, () => (ack ??= make()));
}
export const replicaAckOf = (redis: Redis): ReplicaAck | undefined => attached.get(redis)?.();

type AckPipeline = IRedisTransaction & {
  pexpire(key: string, ms: number): unknown;
  wait(replicas: number, timeoutMs: number): unknown;
};

/**
 * `pool`: Queues of the events queue, each over a connection of its own. WAIT holds the
 * connection it runs on (the producer's queue connection also carries the workers' gitops adds
 * and metrics), and WAITs on one connection run one after the other: each delivery takes the
 * least busy connection, so that when replicas vanish a few deliveries wait timeoutMs side by
 * side instead of in a row past the receiver's 2 s.
 */
export function createReplicaAck(pool: Queue<PushJob>[], replicas: number, timeoutMs: number): ReplicaAck {
  if (pool.length === 0) throw new Error('createReplicaAck: no connection to WAIT on');
  const busy = pool.map(() => 0);
  // While replicas are missing, each WAIT takes timeoutMs; one delivery at a time finds out
  // whether they are back and the others are refused at once.
  let missing = false;
  let probeSince = 0;
  const probeStaleMs = timeoutMs + 2000;

  return {
    replicas,
    timeoutMs,
    async add(data, opts, deliveryKey, ttlMs, name = 'push') {
      let probe = false;
      if (missing) {
        const now = Date.now();
        if (probeSince && now - probeSince < probeStaleMs) {
          throw new TransientError(
            NOT_REPLICATED,
            `fewer than ${replicas} Redis replica(s) confirmed the last delivery (a replica is down, lagging or being reattached after a failover); this one was not acknowledged: redeliver it`,
          );
        }
        probe = true;
        probeSince = now;
      }
      const i = busy.indexOf(Math.min(...busy));
      const events = pool[i]!;
      busy[i]!++;
      try {
        const client = await events.backend.client;
        // The Redis client under BullMQ's is ioredis (connections.ts), whose pipelines have every command.
        const pipe = client.pipeline() as AckPipeline;
        // BullMQ queues its add on the pipeline synchronously (as its own addBulk does); a bad job
        // rejects `added`, and Promise.all then rejects too.
        const added = new Job<PushJob>(events, name, data as PushJob, opts, opts.jobId).addJob(pipe);
        // WAIT counts replicas that have this connection's writes. PEXPIRE (re-arming the pending
        // marker) is a write after the add, so WAIT also covers a job an earlier attempt added on
        // another connection, when this add finds it there and writes nothing of its own.
        pipe.pexpire(deliveryKey, ttlMs);
        pipe.wait(replicas, timeoutMs);
        const [, results] = await Promise.all([added, pipe.exec()]);
        const [addReply, , waitReply] = results ?? [];
        if (!addReply || addReply[0]) throw addReply?.[0] ?? new Error('the job add got no reply');
        if (waitReply?.[0]) throw waitReply[0];
        const acked = Number(waitReply?.[1]);
        missing = !(acked >= replicas);
        if (missing) {
          throw new TransientError(
            NOT_REPLICATED,
            `Redis confirmed this delivery on ${acked} of the ${replicas} replica(s) required within ${timeoutMs} ms, so it was not acknowledged: redeliver it (a redelivery completes it and adds nothing twice)`,
          );
        }
      } finally {
        busy[i]!--;
        if (probe) probeSince = 0;
      }
    },
  };
}
