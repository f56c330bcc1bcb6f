import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startRedis } from '../helpers/redis.js';

const config = parseConfig(
  'hosts:\n  github: {kind: github, url: https://github.example.com, token: t, webhookSecret: s}\n',
  {},
);

describe('/readyz says "not ready" when Redis refuses writes, not only when it is gone', { timeout: 60_000 }, () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;

  before(async () => {
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
  });
  after(async () => {
    await producer?.redis.config('SET', 'maxmemory', '0').catch(() => undefined);
    await producer?.close();
    await redis?.stop();
  });

  it('out of memory (maxmemory with noeviction): 503 naming it; ready again once memory is raised', async () => {
    const server = buildReceiver(config, producer, createLogger({ level: 'silent' }));
    await request(server).get('/readyz').expect(200);
    assert.equal(await producer.redis.config('GET', 'maxmemory-policy').then((r) => (r as string[])[1]), 'noeviction');
    // Any limit below what Redis already uses makes every write an OOM error.
    await producer.redis.config('SET', 'maxmemory', '1');
    const full = await request(server).get('/readyz');
    assert.equal(full.status, 503);
    assert.match(full.body.redis, /^OOM/);
    assert.match(full.body.message, /refuses writes: it is out of memory/);
    await producer.redis.config('SET', 'maxmemory', '0');
    await request(server).get('/readyz').expect(200);
  });
});
