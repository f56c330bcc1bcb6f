import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createEnvironments } from '../../src/queue/environments.js';
import { GITOPS_QUEUE, keys, QUEUE_PREFIX } from '../../src/queue/names.js';
import { startRedis } from '../helpers/redis.js';

const pending = (seq: number) => ({
  host: 'github',
  repo: 'acme/app',
  sha: String(seq).padStart(40, '0'),
  context: 'dispatchd/deploy',
  seq,
});

/**
 * Whatever ends a GitOps job, the environment's next push gets a job that runs: a job that
 * completed, failed for good (permanent error, attempts exhausted, stalled too often, a Redis
 * error on its last attempt: BullMQ records all of them as failed) or was removed without
 * releasing its environment must not keep later pushes out. Real redis-server, real BullMQ.
 */
describe('environments: no ending of a job leaves the environment blocked', { timeout: 60_000 }, () => {
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let queue: Queue;
  let worker: Worker | undefined;
  const runs: string[] = [];
  // BullMQ leaves connections it is handed open: each is ours to close.
  const connections: Redis[] = [];

  before(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    queue = new Queue(GITOPS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  });
  after(async () => {
    await worker?.close();
    await queue?.close();
    for (const c of connections) c.disconnect();
    redis?.disconnect();
    await redisServer?.stop();
  });

  /** A worker that ends each job as told, never releasing the environment (as a crash would). */
  function startWorker(end: (job: Job) => Promise<void>) {
    const connection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    connections.push(connection);
    worker = new Worker(
      GITOPS_QUEUE,
      async (job) => {
        runs.push(job.id!);
        await end(job);
      },
      { connection, prefix: QUEUE_PREFIX },
    );
  }
  const settled = async (jobId: string) => {
    for (let i = 0; i < 200; i++) {
      const state = await queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') return state;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${jobId} did not end`);
  };

  it('a queued or running job is reused: a burst collapses into it', async () => {
    const envs = createEnvironments(redis);
    const a = await envs.offer('env-burst', 1, { n: 1 }, pending(1));
    await queue.add('update', { envId: 'env-burst' }, { jobId: a.jobId });
    const b = await envs.offer('env-burst', 2, { n: 2 }, pending(2));
    assert.equal(b.jobId, a.jobId);
    // Not yet added (the id is handed out first, the job added after): still the same job.
    const c = await envs.offer('env-fresh', 1, { n: 1 }, pending(1));
    assert.equal((await envs.offer('env-fresh', 2, { n: 2 }, pending(2))).jobId, c.jobId);
  });

  for (const [ending, end] of [
    ['completed without releasing', async () => undefined],
    [
      'failed for good',
      async () => {
        throw new UnrecoverableError('permanent');
      },
    ],
    [
      'failed on a Redis error at its last attempt',
      async () => {
        throw new Error('Connection is closed.');
      },
    ],
  ] as const) {
    it(`a job ${ending}: the next push gets a new job, and it runs`, async () => {
      const envs = createEnvironments(redis);
      const envId = `env-${ending.replace(/\W+/g, '-')}`;
      startWorker(end);
      const first = await envs.offer(envId, 10, { n: 10 }, pending(10));
      await queue.add('update', { envId }, { jobId: first.jobId, attempts: 1 });
      assert.match(await settled(first.jobId), /completed|failed/);
      const next = await envs.offer(envId, 11, { n: 11 }, pending(11));
      assert.notEqual(next.jobId, first.jobId, 'a fresh job id');
      await queue.add('update', { envId }, { jobId: next.jobId, attempts: 1 });
      await settled(next.jobId);
      assert.ok(runs.includes(next.jobId), 'the next push was run');
      await worker!.close();
      worker = undefined;
    });
  }

  it('a removed job frees its environment once its id is a minute old', async () => {
    const envs = createEnvironments(redis);
    const first = await envs.offer('env-removed', 1, { n: 1 }, pending(1));
    await queue.add('update', { envId: 'env-removed' }, { jobId: first.jobId });
    await queue.remove(first.jobId);
    assert.equal(
      (await envs.offer('env-removed', 2, { n: 2 }, pending(2))).jobId,
      first.jobId,
      'within the minute it may still be being added',
    );
    await redis.set(keys.envJob('env-removed'), `${first.jobId} ${Date.now() - 61_000}`);
    const later = await envs.offer('env-removed', 3, { n: 3 }, pending(3));
    assert.notEqual(later.jobId, first.jobId);
    assert.equal(await envs.claim('env-removed'), later.jobId, 'claim agrees with offer');
  });
});
