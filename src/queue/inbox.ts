import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import { keys } from './names.js';
import { jobOptions } from './job-options.js';
import { pushJobId, type PushJob } from './jobs.js';

export interface InboxDeps {
  redis: Redis;
  events: Queue<PushJob>;
  /** How long a delivery id is remembered, independent of job retention. */
  deliveryTtlMs: number;
  /**
   * How long Redis gets before the receiver answers 503. DESIGN.md promises that answer within
   * 2 s, and reading, verifying and answering need some of those, so Redis gets 1.5 s.
   */
  timeoutMs?: number;
}

export interface AcceptResult {
  queued: string[];
  duplicates: string[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The durable inbox: once `accept` resolves, every event is in Redis. A redelivery (same host
 * and delivery id) adds nothing, whether its job is still kept or long removed.
 */
export function createInbox(deps: InboxDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;

  async function acceptOne(event: PushEvent): Promise<boolean> {
    const deliveryKey = keys.delivery(event.host, event.deliveryId);
    const [[, seen], [, seq]] = (await deps.redis.multi().exists(deliveryKey).incr(keys.receiptSeq()).exec()) as [[null, number], [null, number]];
    if (seen) return false;
    // Add before remembering the id: a crash in between leaves a job (deduped by its id), never
    // a remembered id without a job.
    await deps.events.add('push', { event, seq }, { ...jobOptions, jobId: pushJobId(event.host, event.deliveryId, sha) });
    await deps.redis.set(deliveryKey, String(seq), 'PX', deps.deliveryTtlMs);
    return true;
  }

  async function accept(events: PushEvent[]): Promise<AcceptResult> {
    const work = (async () => {
      const result: AcceptResult = { queued: [], duplicates: [] };
      for (const e of events) (await acceptOne(e) ? result.queued : result.duplicates).push(e.deliveryId);
      return result;
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError('redis_unavailable', `Redis did not answer within ${timeoutMs} ms; the delivery was not stored: redeliver it once Redis is back`)), timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof TransientError) throw err;
      throw new TransientError('redis_unavailable', `could not store the delivery in Redis (${(err as Error).message}): redeliver it once Redis is back`);
    } finally {
      clearTimeout(timer);
    }
  }

  return { accept };
}
export type Inbox = ReturnType<typeof createInbox>;
