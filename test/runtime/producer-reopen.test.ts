import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { startRedis } from '../helpers/redis.js';

const until = async (what: string, check: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * ioredis ends a connection for good when a reconnect's connect() fails; the producer opens it
 * again (src/runtime/connections.ts), so a receiver never stays at 503 after a Redis incident.
 * An ended connection is made here the way ioredis ends one: `disconnect()` without reconnect.
 */
describe('producer connections that ioredis ended are opened again', { timeout: 30_000 }, () => {
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

  it('an ended connection is ready again within seconds and answers; after close() it stays closed', async () => {
    producer.redis.disconnect();
    await until('the connection to end', () => producer.redis.status === 'end', 5_000);
    await until('the connection to be ready again', () => producer.redis.status === 'ready', 10_000);
    assert.equal(await producer.redis.ping(), 'PONG');

    await producer.close();
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(producer.redis.status, 'end', 'closed by its owner: not reopened');
  });
});
