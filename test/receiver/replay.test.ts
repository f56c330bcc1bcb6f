import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { eventually, fixture } from '../e2e/fixtures.js';
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SECRET = 'replay-test-secret';
const ADMIN = 'adm-replay-test-token-0c5e';
const REPO = 'acme/app';
const yaml = (extra = '') => `
hosts:
  github:
    kind: github
    url: https://github.com
    token: t
    webhookSecret: ${SECRET}
  mirror:
    kind: github
    url: https://ghe.example.com
    token: t
    webhookSecret: ${SECRET}
  bbc:
    kind: bitbucket-cloud
    url: https://bitbucket.org
    token: t
    webhookSecret: ${SECRET}
repositories:
  - { host: github, repo: ${REPO} }
  - { host: mirror, repo: ${REPO} }
  - { host: bbc, repo: brydzewski/foo }
dataDir: \${DATA_DIR}
${extra}`;

let pushes = 0;
/** A push body of its own (a fresh `after`), as one real push would be. */
const pushBody = () => githubPushBody({ repo: REPO, after: (++pushes).toString(16).padStart(40, 'c') });

describe('the same signed body under a new delivery id (replay)', () => {
  let stack: Stack;
  let admin: Server;
  let shortWindow: Server;
  let off: Server;

  before(async () => {
    stack = await startStack(yaml(), { workers: false });
    const log = createLogger({ level: 'silent' });
    const config = (extra: string) => parseConfig(yaml(extra), { DATA_DIR: '/tmp/unused' });
    admin = buildReceiver(stack.config, stack.producer, log, undefined, { adminToken: ADMIN });
    shortWindow = buildReceiver(config('replayWindow: 300ms'), stack.producer, log);
    off = buildReceiver(config('replayWindow: 0'), stack.producer, log);
  });
  after(() => stack?.stop());

  const post = (server: Server, body: string, deliveryId: string, path = '/hooks/github') => {
    const signed = signedRequest('github', body, SECRET, { deliveryId });
    return request(server).post(path).set(signed.headers).send(body);
  };
  const jobsFor = async (ids: string[]) =>
    (await stack.drained(),
    await stack.producer.events.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).filter((j) =>
      ids.includes(j.data.event.deliveryId),
    );

  it('is remembered for 1h by default', () => {
    assert.equal(stack.config.replayWindow, '1h');
  });

  it('within the window: 202 duplicate naming the first delivery, one job, and the audit trail says replay', async () => {
    const body = pushBody();
    const first = await post(stack.server, body, 'orig-1');
    assert.equal(first.status, 202);
    assert.deepEqual(first.body.queued, ['orig-1']);
    const again = await post(stack.server, body, 'replay-1');
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
    assert.deepEqual(again.body.queued, []);
    assert.deepEqual(again.body.duplicates, ['replay-1']);
    assert.deepEqual(again.body.replays, [{ deliveryId: 'replay-1', of: 'orig-1' }]);
    assert.match(again.body.reason, /same signed body was delivered before as orig-1/);
    assert.equal((await jobsFor(['orig-1', 'replay-1'])).length, 1, 'one job');
    assert.equal(
      await stack.producer.redis.get('dispatchd:delivery:github:replay-1'),
      null,
      'the replay claims no delivery id',
    );

    const rec = await eventually(
      async () => {
        const res = await request(admin).get('/api/deliveries/github:replay-1').set('authorization', `Bearer ${ADMIN}`);
        return res.status === 200 ? (res.body as Record<string, unknown>) : undefined;
      },
      5000,
      'the replay in the audit trail',
    );
    assert.equal(rec.status, 'duplicate');
    assert.deepEqual((rec.duplicate as Record<string, unknown>).of, 'github:orig-1');
    assert.match(
      String((rec.duplicate as Record<string, unknown>).message),
      /replay of the same signed body as delivery github:orig-1/,
    );
    const listed = await request(admin)
      .get('/api/deliveries?status=duplicate')
      .set('authorization', `Bearer ${ADMIN}`)
      .expect(200);
    assert.ok((listed.body.deliveries as { deliveryId: string }[]).some((d) => d.deliveryId === 'replay-1'));
  });

  it('keys the body per host: the same bytes to another host are not a replay', async () => {
    const body = pushBody();
    assert.equal((await post(stack.server, body, 'host-a')).body.status, 'queued');
    assert.equal((await post(stack.server, body, 'host-b', '/hooks/mirror')).body.status, 'queued');
  });

  it('a request moving several refs shares one digest, keyed per event: all of them are replays', async () => {
    const p = fixture('bitbucket-cloud/goscm-push.json') as { push: { changes: { new: { name: string } }[] } };
    const change = p.push.changes[0]!;
    p.push.changes.push({ ...change, new: { ...change.new, name: 'release' } });
    const body = JSON.stringify(p);
    const send = (id: string) => {
      const signed = signedRequest('bitbucket-cloud', body, SECRET, { deliveryId: id });
      return request(stack.server).post('/hooks/bbc').set(signed.headers).send(body);
    };
    assert.deepEqual((await send('bb-1')).body.queued, ['bb-1', 'bb-1#1']);
    const again = await send('bb-2');
    assert.equal(again.body.status, 'duplicate');
    assert.deepEqual(again.body.replays, [
      { deliveryId: 'bb-2', of: 'bb-1' },
      { deliveryId: 'bb-2#1', of: 'bb-1#1' },
    ]);
    const digest = createHash('sha256').update('bbc').update('\0').update(body).digest('hex');
    assert.deepEqual(await stack.producer.redis.mget(`dispatchd:body:${digest}#0`, `dispatchd:body:${digest}#1`), [
      'bb-1',
      'bb-1#1',
    ]);
  });

  it('an SCM redelivery (same id, same body) is still a plain duplicate, not a replay', async () => {
    const body = pushBody();
    await post(stack.server, body, 'redeliver-1');
    const again = await post(stack.server, body, 'redeliver-1');
    assert.equal(again.body.status, 'duplicate');
    assert.equal(again.body.replays, undefined);
    assert.equal((await jobsFor(['redeliver-1'])).length, 1);
  });

  it('after the window (replayWindow: 300ms) the same body is queued again', async () => {
    const body = pushBody();
    assert.equal((await post(shortWindow, body, 'short-1')).body.status, 'queued');
    const digest = createHash('sha256').update('github').update('\0').update(body).digest('hex');
    const ttl = await stack.producer.redis.pttl(`dispatchd:body:${digest}#0`);
    assert.ok(ttl > 0 && ttl <= 300, `the body digest is kept for the window only (pttl ${ttl})`);
    assert.equal((await post(shortWindow, body, 'short-2')).body.status, 'duplicate', 'within 300 ms');
    await new Promise((r) => setTimeout(r, 400));
    const later = await post(shortWindow, body, 'short-3');
    assert.equal(later.body.status, 'queued');
    assert.equal((await jobsFor(['short-1', 'short-2', 'short-3'])).length, 2);
  });

  it('replayWindow: 0 turns the check off', async () => {
    const body = pushBody();
    assert.equal((await post(off, body, 'off-1')).body.status, 'queued');
    assert.equal((await post(off, body, 'off-2')).body.status, 'queued');
  });

  describe('POST /api/replay/<host>: an operator resending on purpose', () => {
    const replay = (body: string, deliveryId: string, opts: { token?: string; secret?: string } = {}) => {
      const signed = signedRequest('github', body, opts.secret ?? SECRET, { deliveryId });
      const req = request(admin).post('/api/replay/github').set(signed.headers);
      if (opts.token !== undefined) req.set('authorization', `Bearer ${opts.token}`);
      return req.send(body);
    };

    it('queues a body already delivered under a new id; the delivery id is still deduplicated', async () => {
      const body = pushBody();
      assert.equal((await post(admin, body, 'op-orig')).body.status, 'queued');
      assert.equal((await post(admin, body, 'op-sneaky')).body.status, 'duplicate', 'through /hooks it is a replay');
      const res = await replay(body, 'op-replay', { token: ADMIN });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body.queued, ['op-replay']);
      const again = await replay(body, 'op-replay', { token: ADMIN });
      assert.equal(again.body.status, 'duplicate');
      assert.equal((await jobsFor(['op-orig', 'op-sneaky', 'op-replay'])).length, 2);
    });

    it('needs the admin token, and still verifies the signature', async () => {
      const body = pushBody();
      const none = await replay(body, 'op-none');
      assert.equal(none.status, 401);
      assert.equal(none.body.error, 'missing_token');
      const forged = await replay(body, 'op-forged', { token: ADMIN, secret: 'not-the-secret' });
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error, 'signature_invalid');
      const unknown = await request(admin).post('/api/replay/nope').set('authorization', `Bearer ${ADMIN}`).send('{}');
      assert.equal(unknown.status, 404);
      assert.equal((await jobsFor(['op-none', 'op-forged'])).length, 0);
    });
  });
});
