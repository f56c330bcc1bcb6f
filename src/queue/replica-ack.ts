import type { ChainableCommander, Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';

/** The 503 code when replicas did not confirm a delivery in time. */
export const NOT_REPLICATED = 'redis_not_replicated';

/** A Lua script under the command name it is defined as on a connection. */
export interface ScriptCommand {
  name: string;
  lua: string;
}

/**
 * "Acknowledged by a replica" (config `redis.minReplicasToAck`): a delivery is answered 202 only
 * once that many replicas hold it, so a failover to one of them cannot lose it.
 */
export interface ReplicaAck {
  replicas: number;
  timeoutMs: number;
  /**
   * Runs the inbox's accept script (defined on each connection once, sent as EVALSHA), then
   * `WAIT replicas timeoutMs`, in one round trip. Resolves with the script's reply once enough
   * replicas have its writes; otherwise throws a TransientError (503): the SCM's redelivery adds
   * nothing twice, and its write (the delivery key re-armed) is what the next WAIT counts.
   */
  eval(script: ScriptCommand, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
}

/**
 * `pool`: connections of their own. WAIT holds the connection it runs on, and WAITs on one
 * connection run one after the other: each delivery takes the least busy connection, so that
 * when replicas vanish a few deliveries wait timeoutMs side by side instead of in a row past the
 * receiver's 2 s.
 */
export function createReplicaAck(pool: Redis[], replicas: number, timeoutMs: number): ReplicaAck {
  if (pool.length === 0) throw new Error('createReplicaAck: no connection to WAIT on');
  const busy = pool.map(() => 0);
  const waits: (Promise<void> | undefined)[] = pool.map(() => undefined);
  const readyOf = (i: number) =>
    (waits[i] ??= new Promise<void>((r) => pool[i]!.once('ready', r)).finally(() => (waits[i] = undefined)));
  // While replicas are missing, each WAIT takes timeoutMs; one delivery at a time finds out
  // whether they are back and the others are refused at once.
  let missing = false;
  let probeSince = 0;
  const probeStaleMs = timeoutMs + 2000;

  return {
    replicas,
    timeoutMs,
    async eval(script, numKeys, ...args) {
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
      busy[i]!++;
      try {
        // WAIT counts replicas that have this connection's writes; the script always writes for a
        // delivery it accepts or finds pending (a PEXPIRE at least), so WAIT also covers an entry
        // an earlier attempt wrote on another connection.
        const conn = pool[i]!;
        // Opened on the first delivery (or reconnecting after a failover): wait for it, the
        // inbox's timeout bounding the wait. One shared wait per connection, not a listener per
        // delivery.
        if (conn.status !== 'ready') await readyOf(i);
        if (!(script.name in conn)) conn.defineCommand(script.name, { lua: script.lua });
        const pipeline = conn.pipeline() as ChainableCommander &
          Record<string, (...a: unknown[]) => ChainableCommander>;
        const results = await pipeline[script.name]!(numKeys, ...args)
          .wait(replicas, timeoutMs)
          .exec();
        const [evalReply, waitReply] = results ?? [];
        if (!evalReply || evalReply[0]) throw evalReply?.[0] ?? new Error('the claim got no reply');
        if (waitReply?.[0]) throw waitReply[0];
        const acked = Number(waitReply?.[1]);
        missing = !(acked >= replicas);
        if (missing) {
          throw new TransientError(
            NOT_REPLICATED,
            `Redis confirmed this delivery on ${acked} of the ${replicas} replica(s) required within ${timeoutMs} ` +
              `ms, so it was not acknowledged: redeliver it (a redelivery completes it and adds nothing twice)`,
          );
        }
        return evalReply[1];
      } finally {
        busy[i]!--;
        if (probe) probeSince = 0;
      }
    },
  };
}
