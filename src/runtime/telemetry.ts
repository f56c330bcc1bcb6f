import { createAuditTrail } from '../audit/trail.js';
import type { DispatchdConfig } from '../config/schema.js';
import type { PushEvent } from '../core/push-event.js';
import { toMs } from '../config/duration.js';
import type { Logger } from '../log/logger.js';
import type { Observer } from '../telemetry/observer.js';
import type { Producer } from './connections.js';
import { combineObservers, createMetricsAuditObserver } from './metrics-audit-observer.js';

/**
 * The audit trail over the producer's Redis and the observer feeding it and the metrics.
 * `replayed` records deliveries dropped as replays of a body seen before; like the observer's
 * webhook hook it is not awaited on the webhook path and never throws.
 */
export function telemetryFor(config: DispatchdConfig, producer: Producer, log: Logger, extra?: Observer) {
  const auditRetentionMs = toMs(config.audit?.retention ?? '14d');
  const audit = createAuditTrail({ redis: producer.redis, retentionMs: auditRetentionMs });
  const observer = combineObservers(createMetricsAuditObserver({ metrics: producer.metrics, audit, log }), extra);
  const replayed = (replays: { event: PushEvent; of: string }[]): void => {
    audit
      .replayed(replays)
      .catch((err: unknown) =>
        log.warn({ err: (err as Error).message }, 'audit trail: could not record a replayed delivery'),
      );
  };
  return { audit, auditRetentionMs, observer, metrics: producer.metrics, replayed };
}
