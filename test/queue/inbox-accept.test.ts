import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { auditKeys } from '../../src/audit/keys.js';
import { auditId } from '../../src/audit/record.js';
import type { PushEvent } from '../../src/core/push-event.js';
import { jobOptions } from '../../src/queue/job-options.js';
import type { PushJob } from '../../src/queue/jobs.js';
import { createInbox } from '../../src/queue/inbox.js';
import { keys, PUSH_QUEUE, QUEUE_PREFIX } from '../../src/queue/names.js';
import { refKey } from '../../src/queue/ref-plans.js';
import { pushEvent } from '../helpers/push-event.js';
import { startRedis } from '../helpers/redis.js';

const push = (deliveryId: string, after: string): PushEvent =>
  pushEvent({
    deliveryId,
    base: 'https://example.test',
    before: '1'.repeat(40),
    after,
    pusher: 'alice',
    headCommit: { id: after, message: 'a "quoted" message\nwith a newline and ü' },
  });

// Fields a job hash holds that differ between any two adds by construction.
const VARYING = new Set(['timestamp', 'data', 'name']);

/**
 * The inbox makes each accepted delivery a job inside its one accept script, by running BullMQ's
 * own add Lua on BullMQ's own packed arguments (src/queue/bullmq-add.ts). This pins that the job
 * is the one `Queue.add` writes, that a BullMQ Worker takes it with its data intact, and that the
 * dedupe, receipt slot and audit record ride along.
 */
const audit = { retentionMs: 3_600_000, index: auditKeys.index(), idOf: auditId, keyOf: auditKeys.delivery };

describe('inbox accept script: dedupe and BullMQ add in one call (real redis-server)', { timeout: 60_000 }, () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let events: Queue<PushJob>;
  // BullMQ leaves connections it was given open: each is closed here.
  const connections: Redis[] = [];
  const connection = () => {
    const c = redis.duplicate();
    connections.push(c);
    return c;
  };

  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    events = new Queue<PushJob>(PUSH_QUEUE, { connection: connection(), prefix: QUEUE_PREFIX });
  });
  after(async () => {
    await events?.close();
    for (const c of connections) c.disconnect();
    redis?.disconnect();
    await server?.stop();
  });

  it('writes the job Queue.add writes, and a Worker reads its data back intact', async () => {
    const inbox = createInbox({ redis, events, deliveryTtlMs: 60_000, audit });
    const event = push('d-1', 'a'.repeat(40));
    assert.deepEqual(await inbox.accept([event]), { queued: ['d-1'], duplicates: [], replays: [] });

    const [ours] = await events.getJobs(['wait']);
    assert.ok(ours, 'the accepted delivery is a waiting job');
    const byAdd = await events.add(
      'push',
      { event: push('d-2', 'b'.repeat(40)), seq: 0 },
      { ...jobOptions, jobId: 'by-add' },
    );
    const oursHash = await redis.hgetall(`${QUEUE_PREFIX}:${PUSH_QUEUE}:${ours.id!}`);
    const addHash = await redis.hgetall(`${QUEUE_PREFIX}:${PUSH_QUEUE}:${byAdd.id!}`);
    const same = (h: Record<string, string>) => ({
      ...Object.fromEntries(Object.entries(h).filter(([k]) => !VARYING.has(k))),
      opts: { ...(JSON.parse(h.opts!) as object), jobId: undefined },
    });
    assert.deepEqual(same(oursHash), same(addHash));
    assert.equal((JSON.parse(oursHash.opts!) as { jobId: string }).jobId, ours.id);
    assert.equal(oursHash.name, 'push');
    const seq = Number(await redis.get(keys.receiptSeq()));
    assert.deepEqual(JSON.parse(oursHash.data!), { event, seq });
    await byAdd.remove();

    const seen: PushJob[] = [];
    const worker = new Worker<PushJob>(
      PUSH_QUEUE,
      async (job) => {
        seen.push(job.data);
      },
      { connection: connection(), prefix: QUEUE_PREFIX },
    );
    try {
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.close();
    }
    assert.deepEqual(seen, [{ event, seq }]);
  });

  it('records the ref receipt and the audit record; a redelivery and a replayed body add nothing', async () => {
    const inbox = createInbox({
      redis,
      events,
      deliveryTtlMs: 60_000,
      replayWindowMs: 60_000,
      audit,
    });
    const event = push('d-10', 'c'.repeat(40));
    const first = await inbox.accept([event], { bodyDigest: 'digest-10' });
    assert.deepEqual(first.queued, ['d-10']);
    const seq = Number(await redis.get(keys.receiptSeq()));
    assert.equal(await redis.hget(refKey(event), 'received'), String(seq));
    assert.equal(await redis.hget(auditKeys.delivery('github:d-10'), 'event'), JSON.stringify(event));
    assert.equal(await redis.zscore(auditKeys.index(), 'github:d-10'), String(event.receivedAt));

    const waiting = await events.getWaitingCount();
    const again = await inbox.accept([event], { bodyDigest: 'digest-10' });
    assert.deepEqual(again, { queued: [], duplicates: ['d-10'], replays: [] });
    const replay = await inbox.accept([{ ...event, deliveryId: 'd-11' }], { bodyDigest: 'digest-10' });
    assert.deepEqual(replay, { queued: [], duplicates: ['d-11'], replays: [{ deliveryId: 'd-11', of: 'd-10' }] });
    assert.equal(await events.getWaitingCount(), waiting);
    assert.equal(Number(await redis.get(keys.receiptSeq())), seq, 'no receipt number was taken');
  });

  it('adds nothing for a delivery whose key expired while its job is still kept', async () => {
    const inbox = createInbox({ redis, events, deliveryTtlMs: 60_000 });
    const event = push('d-20', 'd'.repeat(40));
    assert.deepEqual((await inbox.accept([event])).queued, ['d-20']);
    await redis.del(keys.delivery('github', 'd-20'));
    const waiting = await events.getWaitingCount();
    assert.deepEqual(await inbox.accept([event]), { queued: [], duplicates: ['d-20'], replays: [] });
    assert.equal(await events.getWaitingCount(), waiting);
  });

  it('several refs of one delivery each become a job, in one call', async () => {
    const inbox = createInbox({ redis, events, deliveryTtlMs: 60_000 });
    const before = await events.getWaitingCount();
    const r = await inbox.accept([
      push('d-30', 'e'.repeat(40)),
      { ...push('d-30#1', 'f'.repeat(40)), ref: 'refs/heads/b' },
    ]);
    assert.deepEqual(r.queued, ['d-30', 'd-30#1']);
    assert.equal(await events.getWaitingCount(), before + 2);
    // Each job's stored options name its own id (BullMQ packs the job id into them).
    const jobs = (await events.getJobs(['wait'])).filter((j) => j.data.event.deliveryId.startsWith('d-30'));
    assert.equal(jobs.length, 2);
    for (const j of jobs) {
      const opts = JSON.parse((await redis.hget(`${QUEUE_PREFIX}:${PUSH_QUEUE}:${j.id!}`, 'opts'))!) as {
        jobId: string;
      };
      assert.equal(opts.jobId, j.id, `${j.data.event.deliveryId}: its own options`);
    }
  });
});
