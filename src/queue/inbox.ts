import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TransientError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import { isReviewEvent, type ReviewEvent } from '../core/review-events.js';
import type { Queue } from 'bullmq';
import { bullmqAddOf, type BullmqAdd } from './bullmq-add.js';
import { keys, QUEUE_PREFIX } from './names.js';
import { pushJobId, reviewJobId } from './jobs.js';
import type { ReplicaAck } from './replica-ack.js';
import { RECORD_RECEIPT_LUA, receiptSlot } from './ref-plans.js';

export interface InboxDeps {
  redis: Redis;
  /** The events queue: accepted deliveries become its `push` and `review` jobs. */
  events: Queue;
  /**
   * The audit trail's layout (src/audit: above this layer, so handed in): an accepted push is
   * recorded there in the same script, as `AuditTrail.receivedOn` records one. Absent: not recorded.
   */
  audit?: AuditLayout;
  now?: () => number;
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

export interface AuditLayout {
  /** How long a delivery's record is kept (config `audit.retention`). */
  retentionMs: number;
  /** The time index (sorted set) of all records. */
  index: string;
  /** A delivery's record id and its hash key. */
  idOf(host: string, deliveryId: string): string;
  keyOf(id: string): string;
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
// state and is re-armed (a write WAIT can count); a body key held by another delivery id is a
// replay ({2, first id}); a delivery whose job is still kept adds nothing; a new delivery takes
// the next receipt seq and becomes its job through BullMQ's own add (bullmq-add.ts), is
// remembered as "q:<seq>", recorded as its ref's newest receipt (ref-plans.ts) and, for a push,
// in the audit trail. All of it in this one call: nothing stands between a 202 and the job.
// Delivery keys written by earlier versions ("p:<seq>": an entry in the inbox stream) are left
// to the inbox pump (inbox-pump.ts), which turns those entries into jobs.
// KEYS: BullMQ's add keys (B of them), receipt seq, audit index, then per event its delivery,
//   body, job, receipt-slot and audit keys.
// ARGV: delivery ttl, replay window (0: no body check), audit retention, audit cutoff, then per
//   event its delivery id, packed job args, data field, event JSON, receipt time, audit id
//   ('' : none) and packed job options (they name the job's id, so each job has its own).
const acceptScript = (add: BullmqAdd) => `${RECORD_RECEIPT_LUA}
local function bullmqAdd(KEYS, ARGV)
${add.lua}
end
local B = ${add.keys.length}
local addKeys = {}
for i = 1, B do addKeys[i] = KEYS[i] end
local seqKey, auditIndex = KEYS[B + 1], KEYS[B + 2]
local ttl, window = ARGV[1], ARGV[2]
local check = window ~= '0'
local audited = false
local out = {}
for i = 1, (#KEYS - B - 2) / 5 do
  local k, a = B + 2 + 5 * (i - 1), 4 + 7 * (i - 1)
  local dk, bk, jk, slot, ak = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]
  local id, event, auditId = ARGV[a + 1], ARGV[a + 4], ARGV[a + 6]
  local v = redis.call('GET', dk)
  local first = (not v) and check and redis.call('GET', bk)
  if v then
    redis.call('PEXPIRE', dk, ttl)
    out[i] = {0, v}
  elseif first and first ~= id then
    out[i] = {2, first}
  elseif redis.call('EXISTS', jk) == 1 then
    redis.call('SET', dk, 'q:kept', 'PX', ttl)
    out[i] = {0, 'q:kept'}
  else
    local seq = redis.call('INCR', seqKey)
    local added = bullmqAdd(addKeys, {ARGV[a + 2], '{"' .. ARGV[a + 3] .. '":' .. event .. ',"seq":' .. seq .. '}', ARGV[a + 7]})
    if type(added) == 'number' and added < 0 then
      return redis.error_reply('BullMQ refused the job of delivery ' .. id .. ' (code ' .. added .. ')')
    end
    redis.call('SET', dk, 'q:' .. seq, 'PX', ttl)
    if check then redis.call('SET', bk, id, 'PX', window) end
    recordReceipt(slot, seq, ttl)
    if auditId ~= '' then
      redis.call('HSETNX', ak, 'event', event)
      redis.call('ZADD', auditIndex, 'NX', ARGV[a + 5], auditId)
      redis.call('PEXPIRE', ak, ARGV[3])
      audited = true
    end
    out[i] = {1, 'q:' .. seq}
  end
end
if audited then redis.call('ZREMRANGEBYSCORE', auditIndex, '-inf', ARGV[4]) end
return out
`;

const bodyKey = (digest: string, index: number) => `${QUEUE_PREFIX}:body:${digest}#${index}`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** The name the accept script is defined under on a connection (EVALSHA, not its 27 KB text). */
const COMMAND = 'dispatchdAccept';

/**
 * The durable inbox: once `accept` resolves, every event is a job on the events queue (or was
 * one already). A redelivery (same host and delivery id) adds nothing, whether its job is still
 * kept or long removed; a replayed body (same digest, another id, within `replayWindow`) neither.
 */
export function createInbox(deps: InboxDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;
  const replayWindowMs = deps.replayWindowMs ?? 0;
  const audit = deps.audit;
  const auditRetentionMs = audit?.retentionMs ?? 0;
  const now = deps.now ?? Date.now;
  const ack = deps.replicaAck;
  const add = bullmqAddOf(deps.events);
  const command = { name: COMMAND, lua: acceptScript(add) };

  const redis = deps.redis as Redis & { [COMMAND]?: (...args: (string | number | Buffer)[]) => Promise<unknown> };
  if (!redis[COMMAND]) redis.defineCommand(COMMAND, { lua: command.lua });

  async function claim(events: (PushEvent | ReviewEvent)[], digest: string | undefined): Promise<[number, string][]> {
    const at = now();
    const keyArgs: string[] = [...add.keys, keys.receiptSeq(), audit?.index ?? keys.receiptSeq()];
    const argv: (string | number | Buffer)[] = [
      deps.deliveryTtlMs,
      digest ? replayWindowMs : 0,
      auditRetentionMs,
      at - auditRetentionMs,
    ];
    for (const [i, e] of events.entries()) {
      const review = isReviewEvent(e);
      const deliveryKey = keys.delivery(e.host, e.deliveryId);
      const jobId = (review ? reviewJobId : pushJobId)(e.host, e.deliveryId, sha);
      const id = !review && audit ? audit.idOf(e.host, e.deliveryId) : '';
      keyArgs.push(
        deliveryKey,
        digest ? bodyKey(digest, i) : deliveryKey,
        `${add.jobKeyPrefix}${jobId}`,
        receiptSlot(e),
        id ? audit!.keyOf(id) : deliveryKey,
      );
      // Pull-request and status webhooks ride the same queue as pushes, as `review` jobs.
      const packed = add.argsOf(review ? 'review' : 'push', jobId);
      argv.push(
        e.deliveryId,
        packed.args,
        review ? 'review' : 'event',
        JSON.stringify(e),
        e.receivedAt,
        id,
        packed.opts,
      );
    }
    // With replicas required, the script and WAIT share one round trip; fewer replicas than
    // asked throw (503). The jobs are then written on the primary alone: the SCM's redelivery
    // adds nothing twice, re-arms the delivery key and waits for the replicas again.
    return (await (ack
      ? ack.eval(command, keyArgs.length, ...keyArgs, ...argv)
      : redis[COMMAND]!(keyArgs.length, ...keyArgs, ...argv))) as [number, string][];
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
