import { createAuditTrail } from '../audit/trail.js';
import type { DispatchdConfig } from '../config/schema.js';
import { toMs } from '../config/duration.js';
import type { Logger } from '../log/logger.js';
import type { Observer } from '../telemetry/observer.js';
import type { Producer } from './connections.js';
import { combineObservers, createRuntimeObserver } from './observer.js';

/** The audit trail over the producer's Redis and the observer feeding it and the metrics. */
export function telemetryFor(config: DispatchdConfig, producer: Producer, log: Logger, extra?: Observer) {
  const audit = createAuditTrail({ redis: producer.redis, retentionMs: toMs(config.audit?.retention ?? '14d') });
  const observer = combineObservers(createRuntimeObserver({ metrics: producer.metrics, audit, log }), extra);
  return { audit, observer, metrics: producer.metrics };
}
