import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import type { PullRequestEvent } from '../../src/core/review-events.js';
import { createLogger } from '../../src/log/logger.js';
import type { ReviewJob } from '../../src/queue/jobs.js';
import { createRefPlans, pullRequestPlanKey } from '../../src/queue/ref-plans.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startRedis } from '../helpers/redis.js';
import { signedRequest } from '../helpers/sign.js';

const SECRET = 'pull-request-routing-secret';
/** The repository of go-scm's GitHub pull_request fixtures, served as a source repository. */
const REPO = 'bradrydzewski/drone-test-go';

const fixture = (file: string) => readFileSync(new URL(`../fixtures/webhooks/github/${file}`, import.meta.url));

/**
 * Real GitHub pull_request bodies through the receiver and its inbox (real
 * redis-server): a source repository's pull request becomes one `review` job per delivery, a
 * redelivery adds none, and the pull request's plan record orders its events like a branch's
 * pushes (an older delivery is superseded by a newer one of the same pull request only).
 */
describe('source-repository pull requests: receiver → inbox → job and plan record', { timeout: 60_000 }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  let server: Server;

  before(async () => {
    redis = await startRedis();
    const config = parseConfig(
      `hosts:\n  github: { kind: github, url: http://127.0.0.1:9, token: t, webhookSecret: ${SECRET} }\n` +
        `repositories:\n  - { host: github, repo: ${REPO} }\ndataDir: /tmp/dispatchd-pr-routing-unused\n`,
      {},
    );
    producer = openProducer(redis.url);
    await producer.ready();
    server = buildReceiver(config, producer, createLogger({ level: 'silent' }));
  });
  after(async () => {
    server?.close();
    await producer?.close();
    await redis?.stop();
  });

  const post = async (file: string, deliveryId: string) => {
    const signed = signedRequest('github', fixture(file), SECRET, { event: 'pull_request', deliveryId });
    return request(server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
  };
  const jobs = async () =>
    (await producer.events.getJobs(['waiting', 'active', 'completed', 'failed'])).filter((j) => j.name === 'review');

  it('opened then synchronize: one job each; a redelivery adds nothing; the older one is superseded', async () => {
    assert.equal((await post('goscm-pr_opened.json', 'pr-opened')).body.status, 'queued');
    assert.equal((await post('goscm-pr_sync.json', 'pr-sync')).body.status, 'queued');
    const again = await post('goscm-pr_sync.json', 'pr-sync');
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
    assert.equal((await jobs()).length, 2, 'each 202 is a review job already');
    const data = (await jobs()).map((j) => j.data as unknown as ReviewJob).sort((a, b) => a.seq - b.seq);
    const [opened, sync] = data.map((d) => ({ e: d.review as PullRequestEvent, seq: d.seq }));
    assert.deepEqual(
      [opened!.e.action, sync!.e.action, sync!.e.headSha],
      ['opened', 'updated', '8102e371cd01cf668893cb2d04a04d52331b1dc9'],
    );
    const plans = createRefPlans(producer.redis, 60_000);
    const older = await plans.begin(pullRequestPlanKey(opened!.e), opened!.seq);
    assert.equal(older.supersededBy, sync!.seq, 'the newer event of the same pull request plans its head');
    const newer = await plans.begin(pullRequestPlanKey(sync!.e), sync!.seq);
    assert.equal(newer.supersededBy, undefined);
    assert.equal(newer.covered, false);
    // The head branch's pushes have a plan record of their own: a pull request supersedes none of them.
    const push = await plans.begin({ host: 'github', repo: opened!.e.repo, ref: `refs/heads/${opened!.e.head}` }, 1);
    assert.equal(push.supersededBy, undefined);
  });

  it("a closed pull request's event is queued but supersedes no planning", async () => {
    assert.equal((await post('goscm-pr_closed.json', 'pr-closed')).body.status, 'queued');
    assert.equal((await jobs()).length, 3, 'the closed event is a job already');
    const sync = (await jobs())
      .map((j) => j.data as unknown as ReviewJob)
      .find((d) => d.review.deliveryId === 'pr-sync')!;
    const plans = createRefPlans(producer.redis, 60_000);
    const again = await plans.begin(pullRequestPlanKey(sync.review as PullRequestEvent), sync.seq);
    assert.equal(again.supersededBy, undefined);
  });

  it('a chatops comment takes no place in the order when queued; received once its author may write, it supersedes the older head', async () => {
    const body = JSON.parse(fixture('gpw-pull-request-issue-comment.json').toString('utf8')) as {
      repository: Record<string, unknown>;
      issue: { number: number };
      comment: { body: string };
    };
    const sync = (await jobs())
      .map((j) => j.data as unknown as ReviewJob)
      .find((d) => d.review.deliveryId === 'pr-sync')!;
    const pr = sync.review as PullRequestEvent;
    Object.assign(body.repository, { full_name: REPO, name: REPO.split('/')[1] });
    body.issue.number = pr.number;
    body.comment.body = '/deploy';
    const signed = signedRequest('github', JSON.stringify(body), SECRET, { event: 'issue_comment', deliveryId: 'c-1' });
    const res = await request(server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
    assert.equal(res.body.status, 'queued', JSON.stringify(res.body));
    const comment = (await jobs())
      .map((j) => j.data as unknown as ReviewJob)
      .find((d) => d.review.deliveryId === 'c-1');
    assert.ok(comment, 'the comment is a review job once answered');
    assert.ok(comment.seq > sync.seq);
    // Queued but not yet known to be allowed: the pending new head still plans.
    const plans = createRefPlans(producer.redis, 60_000);
    assert.equal((await plans.begin(pullRequestPlanKey(pr), sync.seq)).supersededBy, undefined);
    // Its author found allowed (workers/pull-request-comments.ts), it is received now and plans the tip.
    const received = await plans.receive(pullRequestPlanKey(pr));
    assert.ok(received > comment.seq);
    assert.equal((await plans.begin(pullRequestPlanKey(pr), sync.seq)).supersededBy, received);
  });
});
