import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver, type ReceiverOptions } from '../../src/runtime/receiver.js';
import { startRedis } from '../helpers/redis.js';

const ADMIN = 'adm-auth-test-token-6f2c91';
const config = (extra = '') =>
  parseConfig(
    `
hosts:
  github:
    kind: github
    url: https://github.example.com
    token: ghp_x
    webhookSecret: s
${extra}
`,
    {},
  );

describe('admin routes need Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  const log = createLogger({ level: 'silent' });
  const receiver = (opts: ReceiverOptions, extra = '') => buildReceiver(config(extra), producer, log, undefined, opts);

  before(async () => {
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
  });
  after(async () => {
    await producer?.close();
    await redis?.stop();
  });

  it('health, readiness and the dashboard shell answer without a token', async () => {
    const server = receiver({ adminToken: ADMIN });
    await request(server).get('/healthz').expect(200);
    await request(server).get('/readyz').expect(200);
    const page = await request(server).get('/').expect(200);
    assert.match(page.headers['content-type'] ?? '', /text\/html/);
    assert.match(page.headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.match(page.text, /<script src="\/dashboard.js"/);
    await request(server)
      .get('/dashboard.js')
      .expect(200)
      .expect('content-type', /javascript/);
  });

  it('refuses the API and /metrics without a token, saying what to send', async () => {
    const server = receiver({ adminToken: ADMIN });
    for (const path of ['/api/deliveries', '/metrics', '/api/deliveries/github:x', '/api/environments']) {
      const res = await request(server).get(path).expect(401);
      assert.equal(res.body.error, 'missing_token', path);
      assert.match(res.body.message, /Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>/);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="dispatchd"');
    }
    const post = await request(server).post('/api/deliveries/github:x/retry').expect(401);
    assert.equal(post.body.error, 'missing_token');
  });

  it('refuses a wrong token, a prefix of the token and another scheme', async () => {
    const server = receiver({ adminToken: ADMIN });
    for (const value of [
      `Bearer ${ADMIN}x`,
      `Bearer ${ADMIN.slice(0, -1)}`,
      `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`,
      ADMIN,
    ]) {
      const res = await request(server).get('/api/deliveries').set('authorization', value).expect(401);
      assert.match(res.body.message, /DISPATCHD_ADMIN_TOKEN/);
    }
  });

  it('serves the API and Prometheus metrics with the token', async () => {
    const server = receiver({ adminToken: ADMIN });
    const list = await request(server).get('/api/deliveries').set('authorization', `Bearer ${ADMIN}`).expect(200);
    assert.deepEqual(list.body, { deliveries: [] });
    const envs = await request(server).get('/api/environments').set('authorization', `Bearer ${ADMIN}`).expect(200);
    assert.deepEqual(envs.body.environments, [], 'the environments router is mounted behind the token');
    const metrics = await request(server).get('/metrics').set('authorization', `bearer ${ADMIN}`).expect(200);
    assert.match(metrics.headers['content-type'] ?? '', /text\/plain/);
    assert.match(metrics.text, /# TYPE dispatchd_webhooks_total counter/);
    assert.match(metrics.text, /dispatchd_queue_jobs\{queue="events",state="waiting"\} 0/);
  });

  it('opens /metrics alone when the config says metrics.public', async () => {
    const server = receiver({ adminToken: ADMIN }, 'metrics:\n  public: true\n');
    await request(server).get('/metrics').expect(200);
    await request(server).get('/api/deliveries').expect(401);
  });

  it('with no admin token configured, admin routes answer 403 saying to set DISPATCHD_ADMIN_TOKEN', async () => {
    const server = receiver({});
    for (const path of ['/api/deliveries', '/metrics']) {
      const res = await request(server).get(path).set('authorization', 'Bearer anything').expect(403);
      assert.equal(res.body.error, 'admin_disabled');
      assert.match(res.body.message, /set DISPATCHD_ADMIN_TOKEN/);
    }
  });

  it('the offline demo opens admin routes to loopback clients when no token is set', async () => {
    const server = receiver({ openAdminOnLoopback: true });
    await request(server).get('/api/deliveries').expect(200);
    // A configured token always wins over the demo rule.
    await request(buildReceiver(config(), producer, log, undefined, { adminToken: ADMIN, openAdminOnLoopback: true }))
      .get('/api/deliveries')
      .expect(401);
  });

  it('tags each response with a request id, keeping a sane one from the proxy', async () => {
    const server = receiver({ adminToken: ADMIN });
    const fresh = await request(server).get('/healthz').expect(200);
    assert.match(fresh.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    const kept = await request(server).get('/healthz').set('x-request-id', 'lb-1234').expect(200);
    assert.equal(kept.headers['x-request-id'], 'lb-1234');
    const replaced = await request(server).get('/healthz').set('x-request-id', 'bad id\twith spaces').expect(200);
    assert.notEqual(replaced.headers['x-request-id'], 'bad id\twith spaces');
  });
});

describe('dispatchd worker serves health and its own /metrics', () => {
  it('answers /healthz openly and /metrics with the token', async () => {
    const { buildWorkerServer } = await import('../../src/runtime/worker-server.js');
    const redis = await startRedis();
    const producer = openProducer(redis.url);
    try {
      await producer.ready();
      const server = buildWorkerServer(config(), producer, createLogger({ level: 'silent' }), { adminToken: ADMIN });
      await request(server).get('/healthz').expect(200);
      await request(server).get('/metrics').expect(401);
      const m = await request(server).get('/metrics').set('authorization', `Bearer ${ADMIN}`).expect(200);
      assert.match(m.text, /dispatchd_job_duration_seconds/);
    } finally {
      await producer.close();
      await redis.stop();
    }
  });
});
