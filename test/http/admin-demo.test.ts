import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startRedis } from '../helpers/redis.js';

const ADMIN = 'adm-demo-test-token-93b1e7';
const config = () =>
  parseConfig(
    `
hosts:
  github:
    kind: github
    url: https://github.example.com
    token: ghp_x
    webhookSecret: s
gitops:
  - repo: "github:acme/gitops"
    allow:
      - from: "github:acme/*"
`,
    {},
  );
const PAUSE = { repo: 'github:acme/gitops', dir: 'staging' };

describe("the demo's open admin and every admin write refuse other sites", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  const log = createLogger({ level: 'silent' });
  const servers: Server[] = [];
  const listen = async (opts: Parameters<typeof buildReceiver>[4]) => {
    const server = buildReceiver(config(), producer, log, undefined, opts);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return { port, agent: request(`http://127.0.0.1:${port}`) };
  };
  const paused = async () => (await producer.redis.keys('*pause*')).length;

  before(async () => {
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
  });
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    await producer?.close();
    await redis?.stop();
  });

  it('answers loopback Host names (localhost, 127.0.0.1, [::1], with the port) and refuses a foreign Host (DNS rebinding)', async () => {
    const { port, agent } = await listen({ openAdminOnLoopback: true });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      await agent.get('/api/environments').set('host', host).expect(200);
    }
    for (const host of [
      `evil.example:${port}`,
      'rebind.attacker.test',
      `localhost:${port + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      const res = await agent.post('/api/environments/pause').set('host', host).send(PAUSE).expect(403);
      assert.equal(res.body.error, 'foreign_host', host);
      const read = await agent.get('/api/deliveries').set('host', host).expect(403);
      assert.equal(read.body.error, 'foreign_host', host);
    }
    assert.equal(await paused(), 0, 'nothing was paused');
  });

  it('refuses a cross-site POST /api/environments/pause (Origin or Sec-Fetch-Site) and takes a same-origin one', async () => {
    const { port, agent } = await listen({ openAdminOnLoopback: true });
    const host = `localhost:${port}`;
    const cross = [
      { origin: 'http://evil.example' },
      { origin: `http://localhost:${port + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: `http://${host}`, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cross) {
      const res = await agent.post('/api/environments/pause').set('host', host).set(headers).send(PAUSE).expect(403);
      assert.equal(res.body.error, 'cross_site', JSON.stringify(headers));
    }
    assert.equal(await paused(), 0, 'nothing was paused');
    await agent
      .post('/api/environments/pause')
      .set('host', host)
      .set({ origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })
      .send(PAUSE)
      .expect(200);
    await agent.post('/api/environments/resume').set('host', host).send(PAUSE).expect(200);
  });

  it('refuses cross-site writes with a valid admin token too, and lets reads and token-holding clients through', async () => {
    const { agent } = await listen({ adminToken: ADMIN });
    const res = await agent
      .post('/api/environments/pause')
      .set('authorization', `Bearer ${ADMIN}`)
      .set('origin', 'https://evil.example')
      .send(PAUSE)
      .expect(403);
    assert.equal(res.body.error, 'cross_site');
    await agent
      .get('/api/environments')
      .set('authorization', `Bearer ${ADMIN}`)
      .set('origin', 'https://evil.example')
      .expect(200);
    // Behind a proxy that rewrites Host, the browser's Origin names the public host.
    await agent
      .post('/api/environments/resume')
      .set('authorization', `Bearer ${ADMIN}`)
      .set({ origin: 'https://dispatchd.example.com', 'x-forwarded-host': 'dispatchd.example.com' })
      .send(PAUSE)
      .expect(200);
    await agent.post('/api/environments/resume').set('authorization', `Bearer ${ADMIN}`).send(PAUSE).expect(200);
  });
});
