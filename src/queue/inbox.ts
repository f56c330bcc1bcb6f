import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import type { ReviewEvent } from '../core/review-events.js';
import { keys, QUEUE_PREFIX } from './names.js';
import { jobOptions } from './job-options.js';
import { pushJobId, reviewJobId, type PushJob, type ReviewJob } from './jobs.js';
import { replicaAckOf, type ReplicaAck } from './replica-ack.js';

export interface InboxDeps {
  redis: Redis;
  events: Queue<PushJob>;
  /** How long a delivery id is remembered, independent of job retention. */
  deliveryTtlMs: number;
  /**
   * How long the digest of a signed body is remembered (config `replayWindow`): the same body
   * under another delivery id within it adds nothing. 0 turns the check off.
   */
  replayWindowMs?: number;
  /**
   * How long Redis gets before the receiver answers 503. DESIGN.md promises that answer within
   * 2 s, and reading, verifying and answering need some of those, so Redis gets 1.5 s.
   */
  timeoutMs?: number;
  /**
   * Replicas that must hold a delivery before its 202 (config `redis.minReplicasToAck`); by
   * default what `redis` was opened with (openProducer attaches it), none for a plain connection.
   */
  replicaAck?: ReplicaAck;
}

export interface AcceptResult {
  queued: string[];
  /** Redeliveries (an id seen before) and replays (a body seen before under another id). */
  duplicates: string[];
  /** The duplicates that were replays, with the delivery id that first brought their body. */
  replays: { deliveryId: string; of: string }[];
}

export interface AcceptOptions {
  /**
   * sha256 of host and raw body, computed once per request. Each event's body key is
   * `<digest>#<index>` because one request can carry several refs. Omitted: no replay check
   * (an operator's deliberate `dispatchd replay`).
   */
  bodyDigest?: string;
}

// KEYS: delivery, receipt seq, [body]; ARGV: delivery ttl, delivery id, replay window. A body
// key held by another delivery id is a replay ({2, first id}); a delivery key seen before keeps
// its state, so an SCM's own redelivery (same id, same body) still gets its pending job added.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then return {0, v} end
if KEYS[3] then
  local first = redis.call('GET', KEYS[3])
  if first and first ~= ARGV[2] then return {2, first} end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], 'p:' .. seq, 'PX', ARGV[1])
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) end
return {1, 'p:' .. seq}
`;

const bodyKey = (digest: string, index: number) => `${QUEUE_PREFIX}:body:${digest}#${index}`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The durable inbox: once `accept` resolves, every event is in Redis. A redelivery (same host
 * and delivery id) adds nothing, whether its job is still kept or long removed.
 */
export function createInbox(deps: InboxDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;
  const replayWindowMs = deps.replayWindowMs ?? 0;
  const ack = deps.replicaAck ?? replicaAckOf(deps.redis);

  // One round trip decides: a delivery seen before keeps its state; a replayed body is refused;
  // a new one gets the next receipt seq and is remembered as "p:<seq>" (pending) before its job
  // is added.
  const claim = (deliveryKey: string, deliveryId: string, body?: string): Promise<[number, string]> =>
    (body
      ? deps.redis.eval(CLAIM, 3, deliveryKey, keys.receiptSeq(), body, deps.deliveryTtlMs, deliveryId, replayWindowMs)
      : deps.redis.eval(CLAIM, 2, deliveryKey, keys.receiptSeq(), deps.deliveryTtlMs)) as Promise<[number, string]>;

  /** true: queued; false: a redelivery; a string: a replay of that delivery id's body. */
  async function acceptOne(event: PushEvent | ReviewEvent, body?: string): Promise<boolean | string> {
    const deliveryKey = keys.delivery(event.host, event.deliveryId);
    const [isNew, state] = await claim(deliveryKey, event.deliveryId, body);
    if (isNew === 2) return state;
    if (!isNew && !state.startsWith('p:')) return false;
    // New, or pending from an earlier attempt that may have died before its job was added: add
    // the job (a no-op when its id exists), then mark the delivery queued. Marking is not awaited:
    // left at "p:", a later redelivery only re-adds the same job id.
    const seq = Number(state.slice(2));
    // Pull-request and status webhooks ride the same queue as pushes, as `review` jobs.
    const review = 'kind' in event;
    const jobId = (review ? reviewJobId : pushJobId)(event.host, event.deliveryId, sha);
    const opts = { ...jobOptions, jobId };
    const data: PushJob | ReviewJob = review ? { review: event, seq } : { event, seq };
    // With replicas required, the add and WAIT share one round trip; fewer replicas than asked
    // throw (503) before the delivery is marked queued: it stays "p:<seq>" for the redelivery.
    if (ack) await ack.add(data, opts, deliveryKey, deps.deliveryTtlMs, review ? 'review' : 'push');
    else await (deps.events as unknown as Queue<PushJob | ReviewJob>).add(review ? 'review' : 'push', data, opts);
    deps.redis.set(deliveryKey, `q:${seq}`, 'PX', deps.deliveryTtlMs).catch(() => undefined);
    return Boolean(isNew);
  }

  async function accept(events: (PushEvent | ReviewEvent)[], opts: AcceptOptions = {}): Promise<AcceptResult> {
    const digest = replayWindowMs > 0 ? opts.bodyDigest : undefined;
    const work = (async () => {
      const result: AcceptResult = { queued: [], duplicates: [], replays: [] };
      for (const [i, e] of events.entries()) {
        const r = await acceptOne(e, digest ? bodyKey(digest, i) : undefined);
        if (typeof r === 'string') result.replays.push({ deliveryId: e.deliveryId, of: r });
        (r === true ? result.queued : result.duplicates).push(e.deliveryId);
      }
      return result;
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TransientError(
              'redis_unavailable',
              `Redis did not answer within ${timeoutMs} ms; the delivery was not stored: redeliver it once Redis is back`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof TransientError) throw err;
      throw new TransientError(
        'redis_unavailable',
        `could not store the delivery in Redis (${(err as Error).message}): redeliver it once Redis is back`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return { accept };
}
export type Inbox = ReturnType<typeof createInbox>;
