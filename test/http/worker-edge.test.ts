import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildWorkerServer } from '../../src/runtime/worker-server.js';
import { startRedis } from '../helpers/redis.js';

const HEADERS_TIMEOUT_MS = 600;

/** `dispatchd worker`'s health/metrics server has the receiver's edge (config `http`). */
describe('the worker server cuts off slow clients like the receiver', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;

  before(async () => {
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
  });
  after(async () => {
    await producer?.close();
    await redis?.stop();
  });

  it('closes a connection whose headers never finish within http.headersTimeout, and applies maxConnections', async () => {
    const config = parseConfig(
      `
hosts:
  github:
    kind: github
    url: https://github.example.com
    token: ghp_x
    webhookSecret: s
http:
  headersTimeout: ${HEADERS_TIMEOUT_MS}ms
  requestTimeout: 2s
  maxConnections: 7
`,
      {},
    );
    const server = buildWorkerServer(config, producer, createLogger({ level: 'silent' }), {
      adminToken: 'worker-edge-token',
    });
    assert.equal(server.headersTimeout, HEADERS_TIMEOUT_MS);
    assert.equal(server.requestTimeout, 2_000);
    assert.equal(server.maxConnections, 7);
    // Measured on the server's side: when it closes the socket it accepted.
    const closed = new Promise<number>((resolve) => {
      server.once('connection', (socket: Socket) => {
        const opened = performance.now();
        socket.once('close', () => resolve(performance.now() - opened));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    try {
      await new Promise<void>((r) => client.once('connect', r));
      // A slowloris: a request line and one header, then nothing.
      client.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const lifetime = await Promise.race([
        closed,
        new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 10_000)),
      ]);
      assert.ok(lifetime >= HEADERS_TIMEOUT_MS - 50, `closed after ${Math.round(lifetime)} ms, before the deadline`);
      // Node checks on a fifth of headersTimeout: cut off close to the deadline, not after its default 30 s.
      assert.ok(lifetime < HEADERS_TIMEOUT_MS * 2 + 300, `closed after ${Math.round(lifetime)} ms`);
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
