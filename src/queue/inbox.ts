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

const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then return {0, v} end
local seq = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], 'p:' .. seq, 'PX', ARGV[1])
return {1, 'p:' .. seq}
`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The durable inbox: once `accept` resolves, every event is in Redis. A redelivery (same host
 * and delivery id) adds nothing, whether its job is still kept or long removed.
 */
export function createInbox(deps: InboxDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;

  // One round trip decides: a delivery seen before keeps its state; a new one gets the next
  // receipt seq and is remembered as "p:<seq>" (pending) before its job is added.
  const claim = (deliveryKey: string): Promise<[number, string]> =>
    deps.redis.eval(CLAIM, 2, deliveryKey, keys.receiptSeq(), deps.deliveryTtlMs) as Promise<[number, string]>;

  async function acceptOne(event: PushEvent): Promise<boolean> {
    const deliveryKey = keys.delivery(event.host, event.deliveryId);
    const [isNew, state] = await claim(deliveryKey);
    if (!isNew && !state.startsWith('p:')) return false;
    // New, or pending from an earlier attempt that may have died before its job was added: add
    // the job (a no-op when its id exists), then mark the delivery queued. Marking is not awaited:
    // left at "p:", a later redelivery only re-adds the same job id.
    const seq = Number(state.slice(2));
    await deps.events.add('push', { event, seq }, { ...jobOptions, jobId: pushJobId(event.host, event.deliveryId, sha) });
    deps.redis.set(deliveryKey, `q:${seq}`, 'PX', deps.deliveryTtlMs).catch(() => undefined);
    return Boolean(isNew);
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
