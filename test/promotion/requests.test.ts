import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import { chainKey, chains } from '../../src/config/chains.js';
import type { CheckJob } from '../../src/promotion/check.js';
import { createPromotionRequests, PROMOTIONS_QUEUE, rerunKey, type PromotionJob } from '../../src/promotion/queue.js';
import { createPromotionStates } from '../../src/promotion/states.js';
import { QUEUE_PREFIX } from '../../src/queue/names.js';
import { startRedis } from '../helpers/redis.js';

const config = parseConfig(
  `
hosts:
  github: { kind: github, url: https://github.com, token: t, webhookSecret: s }
gitops:
  - repo: github:acme/gitops
    allow: [{ from: "github:acme/*" }]
    promotions: [{ from: staging, to: production, gate: { status: { context: argocd/staging } } }]
  - repo: github:acme/other
    allow: [{ from: "github:acme/*" }]
    promotions: [{ from: qa, to: live, gate: { soak: 1m } }]
`,
  {},
);

/**
 * Asking for promotion checks, over a real redis-server and BullMQ queue (no worker: the jobs'
 * states are what is checked). An event only moves a waiting check forward; it never creates work
 * that polling would not have done.
 */
describe('promotion check requests and event nudges', { timeout: 60_000 }, () => {
  let stop: () => Promise<void>;
  let redis: Redis;
  let queue: Queue<PromotionJob>;
  before(async () => {
    const r = await startRedis();
    stop = () => r.stop();
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
    queue = new Queue<PromotionJob>(PROMOTIONS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  });
  after(async () => {
    await queue?.close();
    redis?.disconnect();
    await stop?.();
  });

  it('one check job per link and environment; asking again while it waits runs it now', async () => {
    const requests = createPromotionRequests(queue, redis, config);
    await requests.requestPromotionCheck('env-a', 'github:acme/gitops', 'staging');
    await requests.requestPromotionCheck('env-a', 'github:acme/gitops', 'production');
    const jobs = await queue.getJobs(['waiting', 'delayed']);
    assert.equal(jobs.length, 1, 'production feeds nothing: no check');
    const [job] = jobs;
    assert.equal(job!.data.kind, 'check');
    // As the processor leaves it between looks: delayed, with what it has seen.
    const id = job!.id!;
    await job!.remove();
    await queue.add('check', { ...(job!.data as CheckJob), looks: 5, since: 1 }, { jobId: id, delay: 60_000 });
    assert.equal(await (await queue.getJob(id))!.getState(), 'delayed');
    await requests.requestPromotionCheck('env-a', 'github:acme/gitops', 'staging');
    const again = await queue.getJob(id);
    assert.equal(await again!.getState(), 'waiting');
    assert.equal((again!.data as { looks: number }).looks, 0, 'a new update starts a new wait');
    assert.equal((await queue.getJobs(['waiting', 'delayed'])).length, 1);
  });

  it("an event of a GitOps repository runs that repository's waiting checks, and re-checks a failed gate", async () => {
    await queue.obliterate({ force: true });
    const requests = createPromotionRequests(queue, redis, config);
    const [staging, qa] = chains(config);
    for (const [i, link] of [staging!, qa!].entries())
      await queue.add(
        'check',
        { kind: 'check', fromEnvId: `env-${i}`, chain: chainKey(link), since: Date.now(), looks: 3 },
        { jobId: `delayed-${i}`, delay: 60_000 },
      );
    await createPromotionStates(redis).set({
      chain: chainKey(staging!),
      fromEnvId: 'env-failed',
      phase: 'gate-failed',
      detail: 'argocd/staging is failure on 1234567; nothing promoted',
      at: Date.now(),
    });
    assert.equal(await requests.nudge('github:acme/gitops'), 2);
    assert.equal(await (await queue.getJob('delayed-0'))!.getState(), 'waiting');
    assert.equal(await (await queue.getJob('delayed-1'))!.getState(), 'delayed', 'another repository waits on');
    const rechecks = (await queue.getJobs(['waiting'])).filter(
      (j) => j.data.kind === 'check' && j.data.fromEnvId === 'env-failed',
    );
    assert.equal(rechecks.length, 1);
  });

  it('a check looking when the event arrives is marked to look once more; one of another repository is not', async () => {
    // Nothing left from before: no failed gate to re-check, no other job.
    await redis.flushdb();
    const requests = createPromotionRequests(queue, redis, config);
    const [staging, qa] = chains(config);
    await queue.add(
      'check',
      { kind: 'check', fromEnvId: 'env-s', chain: chainKey(staging!), since: 1, looks: 0 },
      { jobId: 'looking-s' },
    );
    await queue.add(
      'check',
      { kind: 'check', fromEnvId: 'env-q', chain: chainKey(qa!), since: 1, looks: 0 },
      { jobId: 'looking-q' },
    );
    // Both taken by a worker: mid-look, neither waiting nor delayed.
    const worker = new Worker<PromotionJob>(PROMOTIONS_QUEUE, null, {
      connection: redis,
      prefix: QUEUE_PREFIX,
      autorun: false,
    });
    try {
      await worker.getNextJob('t1');
      await worker.getNextJob('t2');
      assert.equal(await (await queue.getJob('looking-s'))!.getState(), 'active');
      assert.equal(await requests.nudge('github:acme/gitops'), 1);
      assert.equal(await redis.get(rerunKey('looking-s')), '1', 'the look that may have missed the event runs again');
      assert.equal(await redis.get(rerunKey('looking-q')), null);
    } finally {
      await worker.close(true);
    }
  });
});
