import { hostname } from 'node:os';
import type { DispatchdConfig } from '../config/schema.js';
import { toMs } from '../config/duration.js';
import type { Logger } from '../log/logger.js';
import type { AuditTrail } from '../audit/trail.js';
import { createInboxPump } from '../queue/inbox-pump.js';
import { openWorkerConnection, type Producer } from './connections.js';

/**
 * The inbox pump of a worker process (src/queue/inbox-pump.ts) on a connection of its own: it
 * turns inbox-stream entries written by receivers up to 2f81714 into `events` jobs and audit
 * records, so a rolling upgrade loses none. Today's receivers write jobs directly
 * (src/queue/inbox.ts). Every worker process runs one; they share the stream's entries.
 */
export function startInboxPump(
  config: DispatchdConfig,
  redisUrl: string,
  producer: Producer,
  log: Logger,
  audit?: AuditTrail,
) {
  const connection = openWorkerConnection(redisUrl);
  const pump = createInboxPump({
    redis: connection,
    events: producer.events,
    consumer: `${hostname()}:${process.pid}`,
    deliveryTtlMs: toMs(config.deliveryTtl),
    // A dead pump's entries are taken over when a dead worker's jobs are: after the lock lapses.
    claimIdleMs: toMs(config.workers.lockDuration),
    ...(audit ? { record: (tx, events) => audit.receivedOn(tx, events) } : {}),
    onError: (err) => log.warn({ err: err.message }, 'inbox pump: will try again'),
  });
  return {
    pumped: pump.pumped,
    async close(): Promise<void> {
      await pump.close();
      connection.disconnect();
    },
  };
}
export type RunningPump = ReturnType<typeof startInboxPump>;
