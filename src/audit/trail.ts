import type { ChainableCommander, Redis } from 'ioredis';
import type { PushEvent } from '../core/push-event.js';
import type { PullRequestEvent } from '../core/review-events.js';
import type { GitopsReport, PlanReport } from '../telemetry/observer.js';
import { auditKeys } from './keys.js';
import { auditId, toRecord, type DeliveryRecord, type DeliveryStatus, type StoredFields } from './record.js';

export interface AuditDeps {
  redis: Redis;
  /** How long a delivery stays in the trail after its last update. */
  retentionMs: number;
  now?: () => number;
}

export interface ListFilter {
  limit?: number;
  host?: string;
  repo?: string;
  status?: DeliveryStatus;
  /** Only deliveries received before this time (ms), for paging back. */
  before?: number;
}

const RUN = 'run:';

// Compare-and-set on `retries`: only the caller that saw the current count retries the delivery,
// so two operators pressing Retry at once queue one job. Clears the outcome fields (plan, failure,
// each run) so the retry shows fresh, and moves the errors to history. -1: someone else won.
const MARK_RETRIED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'retries') or '0')
if n ~= tonumber(ARGV[1]) then return -1 end
for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
  if k == 'plan' or k == 'failure' or string.sub(k, 1, ${RUN.length}) == '${RUN}' then redis.call('HDEL', KEYS[1], k) end
end
redis.call('HSET', KEYS[1], 'retries', n + 1, 'history', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return n + 1
`;

/**
 * The audit trail: one Redis hash per delivery plus a time index. Receiver and workers each
 * write only their own fields (HSET of one field is atomic), so concurrent runs for several
 * environments of one push never overwrite each other's outcome.
 */
export function createAuditTrail(deps: AuditDeps) {
  const now = deps.now ?? Date.now;
  const { redis, retentionMs } = deps;

  /** Records the event (first writer wins) and refreshes retention; trims the index. */
  async function touch(event: PushEvent, fields: Record<string, string> = {}): Promise<string> {
    const id = auditId(event.host, event.deliveryId);
    const key = auditKeys.delivery(id);
    const m = redis
      .multi()
      .hsetnx(key, 'event', JSON.stringify(event))
      .zadd(auditKeys.index(), 'NX', event.receivedAt, id)
      .zremrangebyscore(auditKeys.index(), '-inf', now() - retentionMs);
    if (Object.keys(fields).length > 0) m.hset(key, fields);
    await m.pexpire(key, retentionMs).exec();
    return id;
  }

  async function read(id: string): Promise<StoredFields | null> {
    const h = await redis.hgetall(auditKeys.delivery(id));
    if (!h.event) return null;
    const runs: StoredFields['runs'] = {};
    for (const [k, v] of Object.entries(h))
      if (k.startsWith(RUN)) runs[k.slice(RUN.length)] = JSON.parse(v) as StoredFields['runs'][string];
    return {
      event: JSON.parse(h.event) as PushEvent,
      ...(h.plan ? { plan: JSON.parse(h.plan) as NonNullable<StoredFields['plan']> } : {}),
      ...(h.failure ? { failure: h.failure } : {}),
      ...(h.replayOf ? { replayOf: h.replayOf } : {}),
      ...(h.pullRequest ? { pullRequest: JSON.parse(h.pullRequest) as PullRequestEvent } : {}),
      runs,
      retries: Number(h.retries ?? 0),
      history: h.history ? (JSON.parse(h.history) as StoredFields['history']) : [],
    };
  }

  async function getRecord(id: string): Promise<DeliveryRecord | null> {
    const f = await read(id);
    return f ? toRecord(id, f) : null;
  }

  return {
    /**
     * Queues the records of accepted deliveries on `tx` (the inbox pump's transaction that adds
     * their jobs, so a batch costs one round trip): first writer wins, as `touch`. The receiver's
     * accept script (src/queue/inbox.ts) writes the same fields in Lua.
     */
    receivedOn(tx: ChainableCommander, events: PushEvent[]): void {
      for (const e of events) {
        const id = auditId(e.host, e.deliveryId);
        const key = auditKeys.delivery(id);
        tx.hsetnx(key, 'event', JSON.stringify(e))
          .zadd(auditKeys.index(), 'NX', e.receivedAt, id)
          .pexpire(key, retentionMs);
      }
      if (events.length > 0) tx.zremrangebyscore(auditKeys.index(), '-inf', now() - retentionMs);
    },
    async received(events: PushEvent[]): Promise<void> {
      const tx = redis.multi();
      this.receivedOn(tx, events);
      await tx.exec();
    },
    /** Deliveries dropped as replays: each is kept under its own id, pointing at the first. */
    async replayed(replays: { event: PushEvent; of: string }[]): Promise<void> {
      for (const r of replays) await touch(r.event, { replayOf: auditId(r.event.host, r.of) });
    },
    async planned(r: PlanReport): Promise<void> {
      // The stamp is kept only as the seq → delivery index below (GitOps runs settle by it).
      const plan = {
        ...(r.found !== undefined ? { found: r.found } : {}),
        ...(r.tasks ? { tasks: r.tasks } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.skipped ? { skipped: r.skipped } : {}),
        ...(r.commit ? { commit: r.commit } : {}),
      };
      const id = await touch(r.event, {
        plan: JSON.stringify(plan),
        ...(r.pullRequest ? { pullRequest: JSON.stringify(r.pullRequest) } : {}),
      });
      await redis.set(auditKeys.seq(r.seq), id, 'PX', retentionMs);
    },
    async gitopsRun(r: GitopsReport): Promise<void> {
      for (const p of r.settled) {
        const id = await redis.get(auditKeys.seq(p.seq));
        if (!id) continue;
        const newest = p.seq === r.seq;
        const prUrl = r.result && 'prUrl' in r.result ? r.result.prUrl : undefined;
        const run = r.error
          ? { outcome: 'failed', error: newest ? r.error : `a newer push (seq ${r.seq}) was not applied: ${r.error}` }
          : { outcome: newest ? (r.result?.outcome ?? 'updated') : 'superseded', ...(prUrl ? { prUrl } : {}) };
        await redis.hset(auditKeys.delivery(id), `${RUN}${r.envId}`, JSON.stringify(run));
      }
    },
    /**
     * A push job that failed for good without a plan report (e.g. retries exhausted); for a pull
     * request's planning job, `event` is its head as a push and `pullRequest` what was received.
     */
    async jobFailed(event: PushEvent, error: string, pullRequest?: PullRequestEvent): Promise<void> {
      await touch(event, { failure: error, ...(pullRequest ? { pullRequest: JSON.stringify(pullRequest) } : {}) });
    },
    get: getRecord,
    /**
     * The stored event and its record, for a retry. No receipt number comes from here: a retry
     * takes a fresh one (a delivery that failed before planning never stored one).
     */
    async forRetry(
      id: string,
    ): Promise<{ event: PushEvent; pullRequest?: PullRequestEvent; record: DeliveryRecord } | null> {
      const f = await read(id);
      return f
        ? { event: f.event, ...(f.pullRequest ? { pullRequest: f.pullRequest } : {}), record: toRecord(id, f) }
        : null;
    },
    /**
     * Moves the current errors to history and clears the outcome so the retry shows fresh, if
     * nobody retried the delivery since `record` was read. Returns the retry's number (1 for the
     * first), or null when another retry got there first.
     */
    async markRetried(record: DeliveryRecord): Promise<number | null> {
      const history = [
        ...record.history,
        { retriedAt: new Date(now()).toISOString(), status: record.status, errors: record.errors },
      ];
      const n = Number(
        await redis.eval(
          MARK_RETRIED,
          1,
          auditKeys.delivery(record.id),
          record.retries,
          JSON.stringify(history),
          retentionMs,
        ),
      );
      return n > 0 ? n : null;
    },
    /** Newest first; filters apply to what the retention still holds. */
    async list(filter: ListFilter = {}): Promise<DeliveryRecord[]> {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
      const out: DeliveryRecord[] = [];
      const max = filter.before !== undefined ? `(${filter.before}` : '+inf';
      // Scan the index in pages until enough records pass the filters (at most 20 pages).
      for (let offset = 0; out.length < limit && offset < 4000; offset += 200) {
        const page = await redis.zrevrangebyscore(auditKeys.index(), max, '-inf', 'LIMIT', offset, 200);
        for (let i = 0; i < page.length && out.length < limit; i++) {
          const rec = await getRecord(page[i]!);
          if (!rec) continue;
          if (filter.host && rec.host !== filter.host) continue;
          if (filter.repo && rec.repo !== filter.repo) continue;
          if (filter.status && rec.status !== filter.status) continue;
          out.push(rec);
        }
        if (page.length < 200) break;
      }
      return out;
    },
  };
}
export type AuditTrail = ReturnType<typeof createAuditTrail>;
