import { Job, type IRedisTransaction, type Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { PushEvent } from '../core/push-event.js';
import { isReviewEvent } from '../core/review-events.js';
import { jobOptions } from './job-options.js';
import type { PushJob, ReviewJob } from './jobs.js';
import { PUSH_QUEUE, keys, QUEUE_PREFIX } from './names.js';
import { RECORD_RECEIPT_LUA, receiptSlot } from './ref-plans.js';
import { parseEntries as parse, type RawEntry } from './inbox-entry.js';

/** The consumer group every pump reads the inbox stream in: each entry goes to one pump. */
export const PUMP_GROUP = 'pumps';

export interface InboxPumpDeps {
  /** A connection of its own: XREADGROUP blocks it. */
  redis: Redis;
  events: Queue<PushJob>;
  /** This pump's name in the group (host:pid), so operators see who holds an entry. */
  consumer: string;
  /** How long a delivery id is remembered (config `deliveryTtl`), re-armed when it is marked queued. */
  deliveryTtlMs: number;
  /** An entry another pump read but did not finish for this long is taken over: that pump died. */
  claimIdleMs?: number;
  /** Entries per read: one addBulk and one acknowledging script per batch. */
  batch?: number;
  /** How long one read blocks waiting for entries; bounds how late `close()` is noticed. */
  blockMs?: number;
  /** More writes for a batch, queued on the transaction that adds its jobs (the audit trail's records). */
  record?: (tx: ChainableCommander, events: PushEvent[]) => void;
  onError?: (err: Error) => void;
}

// Runs after the batch's job adds in the same transaction. For each entry whose job exists (an
// add that failed leaves its entry pending, to be taken over and added again), or whose delivery
// is already marked queued (its job may be completed and removed since): marks the delivery
// queued (only if it still holds the pending state this entry wrote: a delivery key that expired
// is not brought back) and takes the entry off the stream.
// Each pushed ref also records its newest delivery with a job ('received'), so that older ones
// skip planning (ref-plans.ts).
// KEYS: stream, then per entry its delivery key, job key and ref key; ARGV: group, ttl, then per
// entry id and seq.
const DONE = `${RECORD_RECEIPT_LUA}
local done = 0
for i = 1, (#KEYS - 1) / 3 do
  local dk, jk, rk = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1]
  local id, seq = ARGV[2 * i + 1], ARGV[2 * i + 2]
  local state = redis.call('GET', dk)
  if redis.call('EXISTS', jk) == 1 or state == 'q:' .. seq then
    if state == 'p:' .. seq then redis.call('SET', dk, 'q:' .. seq, 'PX', ARGV[2]) end
    recordReceipt(rk, seq, ARGV[2])
    redis.call('XACK', KEYS[1], ARGV[1], id)
    redis.call('XDEL', KEYS[1], id)
    done = done + 1
  end
end
return done
`;

const JOB_KEY_PREFIX = `${QUEUE_PREFIX}:${PUSH_QUEUE}:`;

/**
 * Turns the inbox stream's entries into `events` jobs. Receivers up to 2f81714 answered 202 once
 * a delivery was such an entry; today's write the job directly (inbox.ts), so this drains what
 * an older receiver wrote during a rolling upgrade and otherwise reads nothing. Crash-safe: an
 * entry leaves the stream only after its job was added; a pump that dies between the two leaves
 * the entry pending in the group, and another pump takes it over after `claimIdleMs` and adds
 * it again, which BullMQ makes a no-op (same job id, kept 24 h after completion); one whose
 * delivery is already marked queued is not added again at all.
 */
export function createInboxPump(deps: InboxPumpDeps) {
  const stream = keys.inbox();
  const claimIdleMs = deps.claimIdleMs ?? 30_000;
  const batch = deps.batch ?? 256;
  const blockMs = deps.blockMs ?? 1000;
  let stopped = false;
  let pumped = 0;

  async function ensureGroup(): Promise<void> {
    // From the start of the stream: entries written before the first pump existed are pumped too.
    await deps.redis.xgroup('CREATE', stream, PUMP_GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!err.message.includes('BUSYGROUP')) throw err;
    });
  }

  async function pump(raw: RawEntry[], reclaimed: boolean): Promise<void> {
    const { entries, broken } = parse(raw);
    let toAdd = entries;
    if (reclaimed && entries.length > 0) {
      const states = await deps.redis.mget(...entries.map((e) => e.deliveryKey));
      toAdd = entries.filter((e, i) => states[i] !== `q:${e.seq}`);
    }
    if (entries.length > 0) {
      // One transaction, one round trip: the jobs, the acknowledgement and the audit records.
      // MULTI makes a pump that dies while sending it leave nothing half done.
      // BullMQ's client is ioredis here (runtime/connections.ts), whose transactions have every command.
      const tx = (await deps.events.backend.client).multi() as unknown as ChainableCommander;
      // Pull-request and status webhooks ride the same queue as pushes, as `review` jobs.
      const added = toAdd.map((e) =>
        new Job<PushJob | ReviewJob>(
          deps.events as unknown as Queue<PushJob | ReviewJob>,
          isReviewEvent(e.event) ? 'review' : 'push',
          isReviewEvent(e.event) ? { review: e.event, seq: e.seq } : { event: e.event, seq: e.seq },
          { ...jobOptions, jobId: e.jobId },
          e.jobId,
        )
          .addJob(tx as unknown as IRedisTransaction)
          .catch((err: Error) => err),
      );
      const keysArg: string[] = [stream];
      const argv: (string | number)[] = [PUMP_GROUP, deps.deliveryTtlMs];
      for (const e of entries) {
        keysArg.push(e.deliveryKey, `${JOB_KEY_PREFIX}${e.jobId}`, receiptSlot(e.event));
        argv.push(e.id, e.seq);
      }
      tx.eval(DONE, keysArg.length, ...keysArg, ...argv);
      deps.record?.(
        tx,
        entries.flatMap((e) => (isReviewEvent(e.event) ? [] : [e.event])),
      );
      const [results] = await Promise.all([tx.exec(), Promise.all(added)]);
      const failed = (results ?? []).find(([err]: [Error | null, unknown]) => err)?.[0];
      if (failed)
        deps.onError?.(new Error(`inbox: part of a batch failed, its entries stay pending: ${failed.message}`));
    }
    // Unreadable entries (not written by this version's claim) cannot become jobs; keeping them
    // would only have them reclaimed forever.
    if (broken.length > 0) {
      await deps.redis.xack(stream, PUMP_GROUP, ...broken);
      await deps.redis.xdel(stream, ...broken);
      deps.onError?.(new Error(`inbox: dropped ${broken.length} unreadable stream entries (${broken.join(', ')})`));
    }
    pumped += entries.length;
  }

  async function reclaim(): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, raw] = (await deps.redis.xautoclaim(
        stream,
        PUMP_GROUP,
        deps.consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        batch,
      )) as [string, RawEntry[]];
      if (raw.length > 0) await pump(raw, true);
      cursor = next;
    } while (cursor !== '0-0' && !stopped);
  }

  async function loop(): Promise<void> {
    let lastReclaim = 0;
    let grouped = false;
    while (!stopped) {
      try {
        if (!grouped) {
          await ensureGroup();
          grouped = true;
        }
        if (Date.now() - lastReclaim >= claimIdleMs / 2) {
          lastReclaim = Date.now();
          await reclaim();
        }
        const res = (await deps.redis.xreadgroup(
          'GROUP',
          PUMP_GROUP,
          deps.consumer,
          'COUNT',
          batch,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        )) as [string, RawEntry[]][] | null;
        if (res?.[0]) await pump(res[0][1], false);
      } catch (err) {
        if (stopped) break;
        // The stream (and its group) deleted or flushed: make the group again.
        if ((err as Error).message.includes('NOGROUP')) grouped = false;
        // Redis down or failing over: whatever was read stays pending and is reclaimed later.
        deps.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  const running = loop();
  return {
    /** Entries turned into jobs by this pump so far. */
    pumped: () => pumped,
    /**
     * Stops after the batch in hand, waiting at most one read's block (a Redis that is gone never
     * answers); the connection is the caller's to close, which ends any read still waiting.
     */
    async close(): Promise<void> {
      stopped = true;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((r) => (t = setTimeout(r, blockMs + 1000)))]);
      clearTimeout(t);
    },
  };
}
export type InboxPump = ReturnType<typeof createInboxPump>;
