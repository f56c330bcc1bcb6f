import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import type { ReviewEvent } from '../core/review-events.js';
import { keys, QUEUE_PREFIX } from './names.js';
import { pushJobId, reviewJobId } from './jobs.js';
import type { ReplicaAck } from './replica-ack.js';

export interface InboxDeps {
  redis: Redis;
  /** How long a delivery id is remembered, independent of job retention. */
  deliveryTtlMs: number;
  /**
   * How long the digest of a signed body is remembered (config `replayWindow`): the same body
   * under another delivery id within it adds nothing. 0 turns the check off.
   */
  replayWindowMs?: number;
  /**
   * How long Redis gets before the receiver answers 503. docs/reliability.md promises that answer within
   * 2 s, and reading, verifying and answering need some of those, so Redis gets 1.5 s.
   */
  timeoutMs?: number;
  /**
   * Replicas that must hold a delivery before its 202 (config `redis.minReplicasToAck`:
   * `producer.replicaAck()`); none when absent.
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

// Every event of one request in one script, so accepting a webhook is one round trip (with
// replicas, WAIT rides in the same pipeline). Per event: a delivery key seen before keeps its
// state (a pending one is re-armed, a write WAIT can count); a body key held by another delivery
// id is a replay ({2, first id}); a new delivery gets the next receipt seq, is remembered as
// "p:<seq>" (pending: in the inbox stream) and appended to the stream, atomically. The pump
// (inbox-pump.ts) turns stream entries into jobs and marks the delivery "q:<seq>".
// KEYS: receipt seq, stream, then per event its delivery key and body key.
// ARGV: delivery ttl, replay window (0: no body check), then per event delivery id, job id, event JSON.
const CLAIM = `
local out = {}
local check = ARGV[2] ~= '0'
for i = 1, (#KEYS - 2) / 2 do
  local dk, bk = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local id = ARGV[3 * i]
  local v = redis.call('GET', dk)
  local first = (not v) and check and redis.call('GET', bk)
  if v then
    if string.sub(v, 1, 2) == 'p:' then redis.call('PEXPIRE', dk, ARGV[1]) end
    out[i] = {0, v}
  elseif first and first ~= id then
    out[i] = {2, first}
  else
    local seq = redis.call('INCR', KEYS[1])
    redis.call('SET', dk, 'p:' .. seq, 'PX', ARGV[1])
    if check then redis.call('SET', bk, id, 'PX', ARGV[2]) end
    redis.call('XADD', KEYS[2], '*', 'd', dk, 'j', ARGV[3 * i + 1], 's', seq, 'e', ARGV[3 * i + 2])
    out[i] = {1, 'p:' .. seq}
  end
end
return out
`;

const bodyKey = (digest: string, index: number) => `${QUEUE_PREFIX}:body:${digest}#${index}`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The durable inbox: once `accept` resolves, every event is in Redis, in the inbox stream or
 * already a job. A redelivery (same host and delivery id) adds nothing, whether its job is still
 * kept or long removed; a replayed body (same digest, another id, within `replayWindow`) neither.
 */
export function createInbox(deps: InboxDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;
  const replayWindowMs = deps.replayWindowMs ?? 0;
  const ack = deps.replicaAck;

  // EVALSHA (ioredis sends EVAL once when Redis lacks the script): not the script's text with
  // every webhook. Defined on the connection the receiver owns, once.
  const redis = deps.redis as Redis & { dispatchdClaim?: (...args: (string | number)[]) => Promise<unknown> };
  if (!redis.dispatchdClaim) redis.defineCommand('dispatchdClaim', { lua: CLAIM });

  async function claim(events: (PushEvent | ReviewEvent)[], digest: string | undefined): Promise<[number, string][]> {
    const keyArgs: string[] = [keys.receiptSeq(), keys.inbox()];
    const argv: (string | number)[] = [deps.deliveryTtlMs, digest ? replayWindowMs : 0];
    for (const [i, e] of events.entries()) {
      const deliveryKey = keys.delivery(e.host, e.deliveryId);
      keyArgs.push(deliveryKey, digest ? bodyKey(digest, i) : deliveryKey);
      argv.push(e.deliveryId, ('kind' in e ? reviewJobId : pushJobId)(e.host, e.deliveryId, sha), JSON.stringify(e));
    }
    // With replicas required, EVAL and WAIT share one round trip; fewer replicas than asked throw
    // (503). The delivery then stays "p:<seq>" in the stream, so the SCM's redelivery adds
    // nothing twice, re-arms it and waits for the replicas again.
    return (await (ack
      ? ack.eval(CLAIM, keyArgs.length, ...keyArgs, ...argv)
      : redis.dispatchdClaim!(keyArgs.length, ...keyArgs, ...argv))) as [number, string][];
  }

  async function accept(events: (PushEvent | ReviewEvent)[], opts: AcceptOptions = {}): Promise<AcceptResult> {
    const digest = replayWindowMs > 0 ? opts.bodyDigest : undefined;
    const work = claim(events, digest).then((states) => {
      const result: AcceptResult = { queued: [], duplicates: [], replays: [] };
      for (const [i, e] of events.entries()) {
        const [state, value] = states[i]!;
        if (state === 2) result.replays.push({ deliveryId: e.deliveryId, of: value });
        (state === 1 ? result.queued : result.duplicates).push(e.deliveryId);
      }
      return result;
    });
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
