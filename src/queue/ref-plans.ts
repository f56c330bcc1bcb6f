import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PushEvent } from '../core/push-event.js';
import { isReviewEvent, type ReviewEvent } from '../core/review-events.js';
import { keys, QUEUE_PREFIX } from './names.js';

/** The Redis hash of one pushed ref: the newest delivery received for it, and what was planned last. */
export const refKey = (e: Pick<PushEvent, 'host' | 'repo' | 'ref'>) =>
  `${QUEUE_PREFIX}:ref:${createHash('sha256').update(`${e.host}\n${e.repo.fullName}\n${e.ref}`).digest('hex').slice(0, 32)}`;

// Stamps come from the receipt counter, so "a plan stamped after this delivery was received" is
// one comparison: such a plan read the ref's tip after this push existed, and covers it. A newer
// delivery of the ref already received (the inbox records it with the job) will read a tip
// that includes this push too: this one is superseded and skips planning. Neither takes a stamp.
const BEGIN = `
local done = tonumber(redis.call('HGET', KEYS[1], 'stamp') or '0')
local planned = redis.call('HGET', KEYS[1], 'commit') or ''
if done > tonumber(ARGV[1]) then return {0, 0, planned} end
local received = tonumber(redis.call('HGET', KEYS[1], 'received') or '0')
if received > tonumber(ARGV[1]) then return {2, received, planned} end
local stamp = redis.call('INCR', KEYS[2])
return {1, stamp, planned}
`;

const COMPLETE = `
local done = tonumber(redis.call('HGET', KEYS[1], 'stamp') or '0')
if done < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'stamp', ARGV[1], 'commit', ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/**
 * Lua, for the scripts that accept deliveries (inbox.ts, inbox-pump.ts, RECEIVE below):
 * `recordReceipt(slot, seq, ttl)` records `seq` as the slot's newest receipt unless a newer one is
 * there (`receiptSlot` names the slot); the slot lives `ttl` ms after its last receipt.
 */
export const RECORD_RECEIPT_LUA = `
local function recordReceipt(slot, seq, ttl)
  if tonumber(redis.call('HGET', slot, 'received') or '0') < tonumber(seq) then
    redis.call('HSET', slot, 'received', seq)
    redis.call('PEXPIRE', slot, ttl)
  end
end
`;

// A delivery received late: one whose right to plan was settled after it was queued (a chatops
// comment, once its author may write). It takes the next receipt seq now and is recorded as the
// ref's newest, so older queued deliveries skip and it plans the tip.
const RECEIVE = `${RECORD_RECEIPT_LUA}
local seq = redis.call('INCR', KEYS[2])
recordReceipt(KEYS[1], seq, ARGV[1])
return seq
`;

export interface PlanStart {
  /** A plan stamped after this delivery's receipt finished: it read a tip this push is part of. */
  covered: boolean;
  /**
   * A newer delivery of the same ref was received (its job exists): it plans the tip, which
   * holds this push, so this one skips planning. Its receipt seq.
   */
  supersededBy?: number;
  /** Orders plans: taken before the tip is read, from the same counter as receipt numbers. */
  stamp: number;
  /** The commit last planned for the ref, if remembered. */
  since?: string;
}

/**
 * What dispatchd planned last for each pushed ref. Losing it (Redis flushed) costs only work:
 * every delivery is then planned, and changed paths are counted from the push's `before`.
 */
export function createRefPlans(redis: Redis, ttlMs: number) {
  return {
    async begin(event: Pick<PushEvent, 'host' | 'repo' | 'ref'>, receiptSeq: number): Promise<PlanStart> {
      // BEGIN answers {state, stamp or (superseded) the newer receipt, planned commit}.
      const [fresh, stamp, planned] = (await redis.eval(BEGIN, 2, refKey(event), keys.receiptSeq(), receiptSeq)) as [
        number,
        number,
        string,
      ];
      return {
        covered: fresh === 0,
        ...(fresh === 2 ? { supersededBy: Number(stamp) } : {}),
        stamp: Number(stamp),
        ...(planned ? { since: planned } : {}),
      };
    },
    /** Receives a delivery now (RECEIVE above): its receipt seq, recorded as the ref's newest. */
    async receive(event: Pick<PushEvent, 'host' | 'repo' | 'ref'>): Promise<number> {
      return Number(await redis.eval(RECEIVE, 2, refKey(event), keys.receiptSeq(), ttlMs));
    },
    async complete(event: Pick<PushEvent, 'host' | 'repo' | 'ref'>, stamp: number, commit: string): Promise<void> {
      await redis.eval(COMPLETE, 1, refKey(event), stamp, commit, ttlMs);
    },
  };
}
export type RefPlans = ReturnType<typeof createRefPlans>;

/**
 * The plan record of a pull request's `pull_request` actions: one per pull request, apart from
 * its head branch's pushes (those match `push` actions, these `pull_request` ones).
 */
export const pullRequestPlanKey = (e: { host: string; repo: PushEvent['repo']; number: number }) => ({
  host: e.host,
  repo: e.repo,
  ref: `pull-request/${e.number}`,
});

/**
 * Where an accepted delivery records itself as the newest receipt (inbox.ts, inbox-pump.ts): a
 * push in its ref's plan record, so that older deliveries of the ref skip planning. A pull
 * request's opened or new head likewise in its pull request's plan record. A chatops comment is
 * recorded there only once its author may write and the pull request is open
 * (workers/pull-request-comments.ts): a comment that plans nothing must not make a pending new
 * head skip. Any other review has nothing to order: a per-host key that only ever records the
 * newest seq.
 */
export function receiptSlot(e: PushEvent | ReviewEvent): string {
  if (!isReviewEvent(e)) return refKey(e);
  return e.kind === 'pull-request' && (e.action === 'opened' || e.action === 'updated')
    ? refKey(pullRequestPlanKey(e))
    : `${QUEUE_PREFIX}:review-seq:${e.host}`;
}
