import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createAuditTrail, type AuditTrail } from '../../src/audit/trail.js';
import type { PushEvent } from '../../src/core/push-event.js';
import type { PullRequestEvent } from '../../src/core/review-events.js';
import { retryDelivery, type RetryDeps } from '../../src/http/api/retry.js';
import { headAsPush } from '../../src/plan/plan-pull-request.js';
import type { PushJob, ReviewJob } from '../../src/queue/jobs.js';
import { PUSH_QUEUE, keys, QUEUE_PREFIX } from '../../src/queue/names.js';
import type { GitopsReport } from '../../src/telemetry/observer.js';
import { pushEvent } from '../helpers/push-event.js';
import { startRedis } from '../helpers/redis.js';

const event = (deliveryId: string): PushEvent => pushEvent({ deliveryId });

/**
 * retryDelivery over a real Redis and a real BullMQ queue (no workers: the jobs stay queued, so
 * what a retry queued can be read back), for deliveries failed at each stage.
 */
describe('retry of a failed delivery: what it queues', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let queueRedis: Redis;
  let events: Queue<PushJob>;
  let audit: AuditTrail;
  let deps: RetryDeps;

  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    queueRedis = new Redis(server.url, { maxRetriesPerRequest: null });
    events = new Queue<PushJob>(PUSH_QUEUE, { connection: queueRedis, prefix: QUEUE_PREFIX });
    audit = createAuditTrail({ redis, retentionMs: 60_000 });
    deps = { audit, events, redis };
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  after(async () => {
    await events?.close();
    queueRedis?.disconnect();
    redis?.disconnect();
    await server?.stop();
  });

  /** What the inbox leaves for a queued delivery, and the receipt counter past it. */
  async function received(e: PushEvent, receipt: number): Promise<void> {
    await redis.set(keys.receiptSeq(), receipt + 3);
    await redis.set(keys.delivery(e.host, e.deliveryId), `q:${receipt}`);
    await audit.received([e]);
  }

  it(
    'a push job that failed for good before planning: the retry takes INCR of the receipt counter, never the inbox\'s "q:<n>"',
    { timeout: 20_000 },
    async () => {
      const e = event('no-plan');
      await received(e, 7);
      await audit.jobFailed(e, 'gave up after 2.0 s and 5 attempts (retry.horizon 2.0 s); last error: HTTP 503');
      assert.equal((await audit.get('github:no-plan'))?.status, 'failed');

      const q = await retryDelivery(deps, 'github:no-plan');
      assert.equal(q.seq, 11, 'INCR of the receipt counter (10 → 11)');
      assert.equal(q.retry, 1);
      assert.match(q.jobId, /^push-github-[0-9a-f]{32}-retry-1$/);
      const job = await events.getJob(q.jobId);
      assert.ok(job);
      assert.ok(Number.isSafeInteger(job.data.seq), `a number: ${JSON.stringify(job.data.seq)}`);
      assert.equal(job.data.seq, 11);
      assert.deepEqual(job.data.event, e, 'the stored PushEvent, as received');
      assert.equal(await redis.get(keys.receiptSeq()), '11');

      const rec = await audit.get('github:no-plan');
      assert.equal(rec?.status, 'queued', 'the record shows the retry fresh');
      assert.deepEqual(rec?.errors, []);
      assert.equal(rec?.retries, 1);
      assert.deepEqual(
        rec?.history.map((h) => [h.status, h.errors]),
        [['failed', ['gave up after 2.0 s and 5 attempts (retry.horizon 2.0 s); last error: HTTP 503']]],
      );
      await assert.rejects(
        retryDelivery(deps, 'github:no-plan'),
        (err: Error & { status?: number }) =>
          err.status === 409 && /is queued: only failed deliveries are retried/.test(err.message),
      );
    },
  );

  it(
    'a plan that errored and a GitOps run that failed are retried the same way: a new push job that plans again',
    { timeout: 20_000 },
    async () => {
      const planErr = event('plan-error');
      await received(planErr, 20);
      await audit.planned({
        event: planErr,
        seq: 21,
        jobId: 'j1',
        error: 'github: read acme/app/Dispatchfile@aaaaaaa: HTTP 403 Resource not accessible by integration',
        durationMs: 1,
      });
      const runErr = event('gitops-error');
      await received(runErr, 30);
      await audit.planned({
        event: runErr,
        seq: 31,
        jobId: 'j2',
        found: true,
        durationMs: 1,
        tasks: [{ task: 'deploy', kind: 'gitops', description: 'd', envId: 'env-1' }],
        commit: 'a'.repeat(40),
      });
      await audit.gitopsRun({
        envId: 'env-1',
        seq: 31,
        spec: {} as GitopsReport['spec'],
        durationMs: 1,
        error: 'open pull request: HTTP 422',
        settled: [{ host: 'github', repo: 'acme/app', sha: 'a'.repeat(40), context: 'dispatchd/deploy', seq: 31 }],
      } as GitopsReport);

      for (const [id, error] of [
        ['github:plan-error', /HTTP 403/],
        ['github:gitops-error', /HTTP 422/],
      ] as const) {
        const before = await audit.get(id);
        assert.equal(before?.status, 'failed', id);
        const q = await retryDelivery(deps, id);
        const job = await events.getJob(q.jobId);
        assert.equal(job?.name, 'push', `${id}: a push job, planned again`);
        assert.ok(job && job.data.seq > 31, `${id}: a fresh receipt number ${job?.data.seq}`);
        const after = await audit.get(id);
        assert.equal(after?.status, 'queued');
        assert.deepEqual(after?.tasks, [], `${id}: the old plan and run outcomes are cleared`);
        assert.equal(after?.planned, undefined);
        assert.match(after?.history[0]?.errors.join('\n') ?? '', error);
      }
      assert.equal(await events.count(), 2);
    },
  );

  it('two retries at once queue one job; the other is told it was retried meanwhile', { timeout: 20_000 }, async () => {
    const e = event('race');
    await received(e, 40);
    await audit.jobFailed(e, 'failed');
    const results = await Promise.allSettled([retryDelivery(deps, 'github:race'), retryDelivery(deps, 'github:race')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error & { status?: number }] : []));
    assert.equal(ok.length, 1, JSON.stringify(results));
    assert.equal(refused[0]?.status, 409);
    assert.match(refused[0]?.message ?? '', /retried meanwhile|is queued/);
    assert.equal(await events.count(), 1);
    assert.equal((await audit.get('github:race'))?.retries, 1);

    // Failed again: the next retry is number 2, under its own job id.
    await audit.jobFailed(e, 'failed again');
    const second = await retryDelivery(deps, 'github:race');
    assert.match(second.jobId, /-retry-2$/);
    assert.deepEqual(
      (await audit.get('github:race'))?.history.map((h) => h.errors),
      [['failed'], ['failed again']],
    );
  });

  it('a retry that cannot be queued leaves the delivery failed and retryable', { timeout: 20_000 }, async () => {
    const e = event('no-queue');
    await received(e, 50);
    await audit.jobFailed(e, 'failed');
    const broken = { add: () => Promise.reject(new Error('Connection is closed.')) } as unknown as Queue<PushJob>;
    await assert.rejects(
      retryDelivery({ ...deps, events: broken }, 'github:no-queue'),
      (err: Error & { status?: number }) =>
        err.status === 503 && /could not be queued \(Connection is closed\.\)/.test(err.message),
    );
    const rec = await audit.get('github:no-queue');
    assert.equal(rec?.status, 'failed');
    assert.match(rec?.errors.join('\n') ?? '', /retry 1 could not be queued/);
    const q = await retryDelivery(deps, 'github:no-queue');
    assert.match(q.jobId, /-retry-2$/);
  });

  it(
    "a pull request's delivery is retried as the review job it was, never as a push of its head",
    { timeout: 20_000 },
    async () => {
      const pr: PullRequestEvent = {
        kind: 'pull-request',
        host: 'github',
        scm: 'github',
        deliveryId: 'pr-plan-error',
        repo: event('x').repo,
        action: 'opened',
        number: 12,
        head: 'feature',
        base: 'main',
        headSha: 'b'.repeat(40),
        fork: false,
        receivedAt: Date.now(),
      };
      await audit.planned({
        event: headAsPush(pr),
        pullRequest: pr,
        seq: 60,
        jobId: 'j-pr',
        error: 'Dispatchfile: bad YAML',
        durationMs: 1,
      });
      const failed = await audit.get('github:pr-plan-error');
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.ref, 'refs/heads/feature');
      assert.deepEqual(failed?.pullRequest, {
        number: 12,
        head: 'feature',
        base: 'main',
        fork: false,
        action: 'opened',
      });
      const q = await retryDelivery(deps, 'github:pr-plan-error');
      assert.equal(q.pullRequest, 12);
      assert.match(q.jobId, /^review-github-[0-9a-f]{32}-retry-1$/);
      const job = (await events.getJob(q.jobId)) as unknown as Job<ReviewJob> | undefined;
      assert.equal(job?.name, 'review');
      assert.deepEqual(job?.data, { review: pr, seq: q.seq });
      assert.deepEqual(
        (await audit.get('github:pr-plan-error'))?.pullRequest,
        failed?.pullRequest,
        'kept across the retry',
      );
    },
  );

  it('an unknown delivery is 404 naming the way to list them', { timeout: 20_000 }, async () => {
    await assert.rejects(
      retryDelivery(deps, 'github:nope'),
      (err: Error & { status?: number }) => err.status === 404 && /GET \/api\/deliveries/.test(err.message),
    );
  });
});
