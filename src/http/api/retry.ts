import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../../audit/trail.js';
import { DispatchError } from '../../core/errors.js';
import { pushJobId, type PushJob } from '../../queue/jobs.js';
import { jobOptions } from '../../queue/job-options.js';
import { keys } from '../../queue/names.js';

export interface RetryDeps {
  audit: AuditTrail;
  events: Queue<PushJob>;
  redis: Redis;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * Re-queues a failed delivery's PushEvent under a new job id and a fresh receipt number. The
 * retry plans the ref's tip as it is now, and an environment only ever moves forward (by
 * ancestry), so retrying an old push can never take an environment back.
 */
export async function retryDelivery(deps: RetryDeps, id: string): Promise<{ jobId: string; seq: number }> {
  const found = await deps.audit.forRetry(id);
  if (!found) throw new DispatchError('not_found', `no delivery "${id}" in the audit trail (it may be past its retention): list deliveries with GET /api/deliveries`, 404);
  const { event, record } = found;
  if (record.status !== 'failed') {
    throw new DispatchError('not_failed', `delivery "${id}" is ${record.status}: only failed deliveries are retried (send the push again, or use "dispatchd replay", to run a finished one again)`, 409);
  }
  const seq = await deps.redis.incr(keys.receiptSeq());
  const jobId = `${pushJobId(event.host, event.deliveryId, hash)}-retry-${record.retries + 1}`;
  await deps.audit.markRetried(record);
  await deps.events.add('push', { event, seq }, { ...jobOptions, jobId });
  return { jobId, seq };
}
