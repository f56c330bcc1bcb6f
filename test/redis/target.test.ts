import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { createInbox } from '../../src/queue/inbox.js';
import { openProducer } from '../../src/runtime/connections.js';
import { readSettings } from '../../src/runtime/settings.js';
import { startRedis } from '../helpers/redis.js';
import {
  describeRedisTarget,
  formatRedisTarget,
  parseRedisTarget,
  redisClientArgs,
  redisUrlFromConfig,
  withSentinelPasswords,
} from '../../src/redis/target.js';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('no ConfigError');
};

const config = (redis: string) =>
  parseConfig(
    `hosts:\n  gh: {kind: github, url: https://github.com, token: t, webhookSecret: s}\nredis:\n${redis}\n`,
    {},
  );

describe('Redis target (REDIS_URL forms and config redis)', () => {
  it('leaves a plain URL to ioredis, taking out only the replica setting', () => {
    assert.deepEqual(parseRedisTarget('redis://:pw@10.0.0.5:6380/2'), {
      url: 'redis://:pw@10.0.0.5:6380/2',
      minReplicasToAck: 0,
      ackTimeoutMs: 500,
    });
    assert.deepEqual(parseRedisTarget('rediss://r.example:6379?family=6&minReplicasToAck=1&ackTimeout=250ms'), {
      url: 'rediss://r.example:6379?family=6',
      minReplicasToAck: 1,
      ackTimeoutMs: 250,
    });
    assert.equal(
      formatRedisTarget(parseRedisTarget('redis://h:1?minReplicasToAck=2&ackTimeout=1s')),
      'redis://h:1?minReplicasToAck=2&ackTimeout=1000',
    );
  });

  it('reads a Sentinel URL: hosts (26379 by default, IPv6), master name, db, credentials, and round-trips it', () => {
    const t = parseRedisTarget(
      'redis+sentinel://app:p%40ss%2Fw@s1.example,s2.example:26380,[fd00::1]:26381/orders/3?sentinelPassword=sp&minReplicasToAck=1',
    );
    assert.deepEqual(t, {
      sentinel: {
        sentinels: [
          { host: 's1.example', port: 26379 },
          { host: 's2.example', port: 26380 },
          { host: 'fd00::1', port: 26381 },
        ],
        name: 'orders',
        db: 3,
        username: 'app',
        password: 'p@ss/w',
        sentinelPassword: 'sp',
      },
      minReplicasToAck: 1,
      ackTimeoutMs: 500,
    });
    assert.deepEqual(parseRedisTarget(formatRedisTarget(t)), t);
    assert.equal(
      describeRedisTarget(t),
      'master "orders" via sentinels s1.example:26379, s2.example:26380, fd00::1:26381',
    );
    assert.equal(parseRedisTarget('redis+sentinel://:only-pw@h/m').sentinel?.password, 'only-pw');
  });

  it('lists every problem of a bad URL at once, without its password', () => {
    assert.deepEqual(
      problems(() => parseRedisTarget('redis+sentinel://h1:99999,h2?minReplicasToAck=x&ackTimeout=5s&foo=1')),
      [
        'REDIS_URL ?minReplicasToAck: a whole number of replicas, 0 or more',
        'REDIS_URL ?ackTimeout: between 1 ms and 1000 ms (the receiver answers within 2 s; a replica on the same network acknowledges in about a millisecond)',
        'REDIS_URL: name the master group after the sentinels: redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/<master name>[/db]',
        'REDIS_URL: "h1:99999" is not a sentinel address (host or host:port)',
        'REDIS_URL: unknown parameter(s) foo (a Sentinel URL takes sentinelUsername, sentinelPassword, minReplicasToAck, ackTimeout)',
      ],
    );
    const [p] = problems(() => parseRedisTarget('localhost:6379'));
    assert.match(p!, /neither redis:\/\/host:port/);
    assert.doesNotMatch(problems(() => parseRedisTarget('http://u:secret@h'))[0]!, /secret/);
  });

  it('config redis: sentinels win over REDIS_URL; without them REDIS_URL takes the replica setting', () => {
    const sentinelUrl = redisUrlFromConfig(
      config(
        '  sentinels: [{host: 10.0.0.1}, {host: 10.0.0.2, port: 26380}]\n  name: dispatchd\n  password: "a b&c"\n  sentinelPassword: s\n  minReplicasToAck: 1\n  ackTimeout: 250ms',
      ).redis,
      'redis://ignored:6379',
    );
    assert.equal(
      sentinelUrl,
      'redis+sentinel://:a%20b%26c@10.0.0.1:26379,10.0.0.2:26380/dispatchd?sentinelPassword=s&minReplicasToAck=1&ackTimeout=250',
    );
    assert.deepEqual(parseRedisTarget(sentinelUrl!).sentinel?.password, 'a b&c');
    assert.equal(
      redisUrlFromConfig(config('  minReplicasToAck: 2').redis, 'redis://r:6379'),
      'redis://r:6379?minReplicasToAck=2&ackTimeout=500',
    );
    assert.equal(redisUrlFromConfig(undefined, 'redis://r:6379'), 'redis://r:6379');
    assert.equal(redisUrlFromConfig(undefined, undefined), undefined);
    assert.equal(redisUrlFromConfig(config('  minReplicasToAck: 0').redis, undefined), undefined);
    assert.match(
      problems(() => redisUrlFromConfig(config('  minReplicasToAck: 1').redis, undefined))[0]!,
      /embedded redis-server .* has no replicas/,
    );
    assert.match(
      problems(() => redisUrlFromConfig(config('  sentinels: [{host: h}]\n  ackTimeout: 2s').redis, undefined))[0]!,
      /^redis\.ackTimeout: between 1 ms and 1000 ms/,
    );
  });

  it('the config schema checks the block', () => {
    const c = config('  sentinels: [{host: h}]');
    assert.deepEqual(c.redis, {
      sentinels: [{ host: 'h', port: 26379 }],
      name: 'mymaster',
      db: 0,
      minReplicasToAck: 0,
      ackTimeout: '500ms',
    });
    assert.throws(
      () => config('  sentinels: []\n  master: x'),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('redis.sentinels')) &&
        err.problems.some((p) => /master/.test(p)),
    );
  });

  it('REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD fill a Sentinel URL (from Secrets), never a plain one', () => {
    const s = readSettings({
      REDIS_URL: 'redis+sentinel://s1:26379/mymaster?minReplicasToAck=1',
      REDIS_PASSWORD: 'p/w@1',
      REDIS_SENTINEL_PASSWORD: 'sp',
    });
    const t = parseRedisTarget(s.redisUrl!);
    assert.equal(t.sentinel?.password, 'p/w@1');
    assert.equal(t.sentinel?.sentinelPassword, 'sp');
    assert.equal(t.minReplicasToAck, 1);
    assert.equal(
      withSentinelPasswords('redis+sentinel://:mine@s1/m', { REDIS_PASSWORD: 'other' }),
      'redis+sentinel://:mine@s1:26379/m',
    );
    assert.equal(readSettings({ REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'x' }).redisUrl, 'redis://r:6379');
  });

  it('gives ioredis its Sentinel options: the group, passwords, master role (no failover detector)', () => {
    const { url, options } = redisClientArgs(
      parseRedisTarget('redis+sentinel://u:pw@s1:1,s2:2/grp/1?sentinelPassword=sp'),
    );
    assert.equal(url, undefined);
    assert.deepEqual(
      { ...options, retryStrategy: undefined },
      {
        sentinels: [
          { host: 's1', port: 1 },
          { host: 's2', port: 2 },
        ],
        name: 'grp',
        role: 'master',
        db: 1,
        username: 'u',
        password: 'pw',
        sentinelPassword: 'sp',
        retryStrategy: undefined,
      },
    );
    assert.equal(options.retryStrategy?.(1), 50);
    assert.equal(options.retryStrategy?.(100), 500, 'the new master is tried at least every 500 ms');
    assert.deepEqual(redisClientArgs(parseRedisTarget('redis://h:1')), { url: 'redis://h:1', options: {} });
  });

  it('a plain REDIS_URL opens plain connections: no WAIT unless the URL asks for replicas', async () => {
    const redis = await startRedis();
    const producers = [openProducer(redis.url), openProducer(`${redis.url}?minReplicasToAck=1&ackTimeout=50`)];
    try {
      await Promise.all(producers.map((p) => p.ready(5000)));
      assert.equal(producers[0]!.replicaAck(), undefined);
      const ack = producers[1]!.replicaAck();
      assert.deepEqual([ack?.replicas, ack?.timeoutMs], [1, 50]);
      // This Redis has no replica: the delivery is stored (its job, on the primary alone) and
      // refused with its reason, so the SCM redelivers it; the redelivery adds nothing.
      const inbox = createInbox({
        redis: producers[1]!.redis,
        events: producers[1]!.events,
        replicaAck: ack,
        deliveryTtlMs: 60_000,
      });
      const event = { host: 'gh', deliveryId: 'd1', repo: { fullName: 'a/b' }, ref: 'refs/heads/main' } as never;
      for (let i = 0; i < 2; i++)
        await assert.rejects(
          inbox.accept([event]),
          /redis_not_replicated|confirmed this delivery on 0 of the 1 replica/,
        );
      assert.equal(await producers[1]!.redis.get('dispatchd:delivery:gh:d1'), 'q:1');
      assert.equal(await producers[1]!.events.getWaitingCount(), 1);
    } finally {
      for (const p of producers) await p.close();
      await redis.stop();
    }
  });
});
