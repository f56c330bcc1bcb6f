import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { fixture } from '../e2e/fixtures.js';

const SECRET = 'receiver-secret';
const examples = (
  createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: Record<string, unknown>[];
  }[]
).find((e) => e.name === 'push')!.examples;

describe('POST /hooks/<github host>: the receiver alone (no workers)', () => {
  let stack: Stack;
  let n = 0;
  const served = new Set<string>(['Codertocat/Hello-World', 'baxterthehacker/public-repo', 'binkkatal/sample_app']);

  before(async () => {
    for (const e of examples) served.add((e.repository as { full_name: string }).full_name);
    stack = await startStack(
      `
hosts:
  github:
    kind: github
    url: https://github.com
    token: t
    webhookSecret: ${SECRET}
repositories:
${[...served].map((r) => `  - {host: github, repo: "${r}"}`).join('\n')}
maxBodyBytes: 200000
dataDir: \${DATA_DIR}
`,
      { workers: false },
    );
  });
  after(() => stack?.stop());

  const post = (body: string, opts: { event?: string; deliveryId?: string; secret?: string; path?: string } = {}) => {
    const signed = signedRequest('github', body, opts.secret ?? SECRET, {
      event: opts.event ?? 'push',
      deliveryId: opts.deliveryId ?? `d-${++n}`,
    });
    return request(stack.server)
      .post(opts.path ?? '/hooks/github')
      .set(signed.headers)
      .send(body);
  };
  // Accepted deliveries become jobs once the inbox pump has read them.
  const queued = async () =>
    (await stack.drained(),
    await stack.producer.events.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).map((j) => j.data);

  it('queues one job per real push payload (go-scm and @octokit/webhooks-examples), answering 202', async () => {
    const bodies = [
      fixture('github/goscm-push.json'),
      fixture('github/gpw-push.json'),
      ...examples.filter((e) => !e.deleted),
    ];
    for (const [i, body] of bodies.entries()) {
      const res = await post(JSON.stringify(body), { deliveryId: `real-${i}` });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body.queued, [`real-${i}`], `${i}: ${JSON.stringify(res.body)}`);
    }
    const jobs = await queued();
    for (const [i, body] of bodies.entries()) {
      const job = jobs.find((j) => j.event.deliveryId === `real-${i}`);
      assert.ok(job, `delivery real-${i} is queued`);
      assert.equal(job.event.ref, body.ref);
      assert.equal(job.event.repo.fullName, (body.repository as { full_name: string }).full_name);
      assert.ok(job.seq > 0);
    }
  });

  it('builds the commit of an annotated tag, not the tag object', async () => {
    const body = fixture('github/goscm-push_tag.json');
    (body.repository as Record<string, unknown>).full_name = 'Codertocat/Hello-World';
    const res = await post(JSON.stringify(body), { deliveryId: 'tag-1' });
    assert.equal(res.status, 202);
    const job = (await queued()).find((j) => j.event.deliveryId === 'tag-1')!;
    assert.equal(job.event.refType, 'tag');
    assert.equal(job.event.after, (body.head_commit as { id: string }).id);
  });

  it('answers ping with 200 and queues nothing', async () => {
    const res = await post(JSON.stringify(fixture('github/goscm-ping.json')), { event: 'ping' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'pong');
  });

  it('answers events it does not act on with 200 and the reason', async () => {
    const res = await post('{"action":"opened"}', { event: 'issues' });
    assert.equal(res.status, 200);
    assert.match(res.body.reason, /"issues" is not acted on/);
  });

  it('answers a push from a repository not in the config with 202 and the reason, queueing nothing', async () => {
    const body = fixture('github/goscm-push.json');
    (body.repository as Record<string, unknown>).full_name = 'someone/else';
    const res = await post(JSON.stringify(body), { deliveryId: 'unknown-repo' });
    assert.equal(res.status, 202);
    assert.match(res.body.reason, /someone\/else is not in the config's repositories/);
    assert.ok(!(await queued()).some((j) => j.event.deliveryId === 'unknown-repo'));
  });

  it('refuses a missing or wrong signature with 401 and a message', async () => {
    const body = JSON.stringify(fixture('github/goscm-push.json'));
    const wrong = await post(body, { secret: 'nope', deliveryId: 'sig-1' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'signature_invalid');
    const missing = await request(stack.server)
      .post('/hooks/github')
      .set({ 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'sig-2' })
      .send(body);
    assert.equal(missing.status, 401);
    assert.match(missing.body.message, /missing X-Hub-Signature-256/);
    assert.ok(!(await queued()).some((j) => ['sig-1', 'sig-2'].includes(j.event.deliveryId)));
  });

  it('refuses a malformed body with 400 saying what is wrong', async () => {
    const notJson = await post('{"ref": ', { deliveryId: 'bad-1' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.message, /not valid JSON/);
    const missing = await post('{"ref":"refs/heads/x"}', { deliveryId: 'bad-2' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /repository/);
  });

  it('refuses a body over maxBodyBytes with 413', async () => {
    const res = await post(JSON.stringify({ pad: 'x'.repeat(250_000) }), { deliveryId: 'big' });
    assert.equal(res.status, 413);
    assert.match(res.body.message, /maxBodyBytes/);
  });

  it('answers 404 for an unknown host path without naming the configured hosts', async () => {
    const res = await post('{}', { path: '/hooks/gitlab' });
    assert.equal(res.status, 404);
    assert.match(res.body.message, /no such webhook endpoint/);
    assert.doesNotMatch(res.body.message, /github/, 'the configured host names are not told to strangers');
  });

  it('remembers delivery ids beyond job retention: a late redelivery adds nothing', async () => {
    // A body of its own: the same body under a new delivery id would be a replay (replay.test.ts).
    const body = JSON.stringify({ ...fixture('github/goscm-push.json'), before: 'b'.repeat(40) });
    assert.equal((await post(body, { deliveryId: 'late' })).status, 202);
    await stack.drained();
    const job = (await stack.producer.events.getJobs(['waiting'])).find((j) => j.data.event.deliveryId === 'late')!;
    await job.remove();
    const again = await post(body, { deliveryId: 'late' });
    assert.equal(again.body.status, 'duplicate');
    assert.ok(!(await queued()).some((j) => j.event.deliveryId === 'late'));
    const ttl = await stack.producer.redis.pttl('dispatchd:delivery:github:late');
    assert.ok(ttl > 6 * 86_400_000 && ttl <= 7 * 86_400_000, `remembered for 7 days by default (pttl ${ttl})`);
  });

  it('a redelivery while the delivery waits in the inbox stream is a duplicate; the pump makes one job of it', async () => {
    // A body of its own: the fixture's was delivered before under other ids (a replay).
    const body = JSON.stringify({ ...fixture('github/goscm-push.json'), after: 'f00d'.repeat(10) });
    const [first, again] = await Promise.all([
      post(body, { deliveryId: 'in-stream' }),
      post(body, { deliveryId: 'in-stream' }),
    ]);
    assert.deepEqual([first.body.status, again.body.status].sort(), ['duplicate', 'queued']);
    const state = await stack.producer.redis.get('dispatchd:delivery:github:in-stream');
    assert.match(state ?? '', /^[pq]:\d+$/, 'remembered as pending (in the stream) or queued (pumped)');
    const jobs = (await queued()).filter((j) => j.event.deliveryId === 'in-stream');
    assert.equal(jobs.length, 1);
    assert.equal(`q:${jobs[0]!.seq}`, await stack.producer.redis.get('dispatchd:delivery:github:in-stream'));
  });

  it('serves /healthz and /readyz', async () => {
    assert.equal((await request(stack.server).get('/healthz')).status, 200);
    const ready = await request(stack.server).get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.redis, 'ok');
  });
});
