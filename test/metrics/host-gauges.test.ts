import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createHostWaits, hostOfFailure } from '../../src/queue/hosts.js';
import { TransientError } from '../../src/core/errors.js';
import { startRedis } from '../helpers/redis.js';

function sample(text: string, name: string, host: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`host="${host}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('hosts failing: the Redis record and the dispatchd_host_* gauges', () => {
  let stopRedis: () => Promise<void>;
  let redis: Redis;
  let now = 1_700_000_000_000;
  const job = (queue: string, id: string) =>
    redis.hset(`dispatchd:${queue}:${id}`, 'name', queue === 'events' ? 'push' : 'update');

  before(async () => {
    const r = await startRedis();
    stopRedis = r.stop;
    redis = new Redis(r.url);
  });
  after(async () => {
    redis?.disconnect();
    await stopRedis?.();
  });

  it('counts waiting jobs per host, moves a job between hosts, and heals when the last one leaves', async () => {
    const waits = createHostWaits(redis, () => now);
    const metrics = createMetrics();
    metrics.readHostsFrom(redis);
    for (const id of ['p1', 'p2', 'p3']) await job('events', id);
    await job('gitops', 'env-a-1');
    await waits.wait('github', 'events', 'p1', 'github: read ref: HTTP 503');
    now += 1000;
    await waits.wait('github', 'events', 'p2', 'github: read ref: HTTP 503');
    await waits.wait('github', 'gitops', 'env-a-1', 'git push failed: 503');
    await waits.wait('github', 'events', 'p2', 'github: read ref: HTTP 502');
    await waits.wait('gitlab', 'events', 'p3', 'gitlab: read ref: HTTP 503');
    let [gh, gl] = await waits.list();
    assert.equal(gh?.host, 'github');
    assert.deepEqual(
      { waiting: gh?.waiting, deliveries: gh?.deliveries, environments: gh?.environments },
      { waiting: 3, deliveries: 2, environments: 1 },
    );
    assert.equal(gh?.since, now - 1000, 'failing since its first waiting job');
    assert.equal(gh?.lastError, 'github: read ref: HTTP 502');
    // Oldest first; a job keeps the time it first waited.
    assert.deepEqual(
      gh?.jobs.map((j) => `${j.queue}:${j.jobId}@${j.since - now}`),
      ['events:p1@-1000', 'events:p2@0', 'gitops:env-a-1@0'],
    );
    assert.equal(gl?.waiting, 1);
    let text = await metrics.registry.metrics();
    assert.equal(sample(text, 'dispatchd_host_waiting_deliveries', 'github'), 3);
    assert.equal(sample(text, 'dispatchd_host_failing', 'github'), 1);
    assert.equal(sample(text, 'dispatchd_host_waiting_deliveries', 'gitlab'), 1);

    // A job waits on one host at a time: p3 now waits on github, gitlab has healed.
    now += 1000;
    await waits.wait('github', 'events', 'p3', 'github: compare: HTTP 503');
    [gh, gl] = await waits.list();
    assert.equal(gh?.waiting, 4);
    assert.equal(gl?.waiting, 0);
    assert.equal(gl?.healedAt, now);
    assert.equal(gl?.since, undefined);

    // Success or final failure removes a job; a job that vanished is pruned when read.
    await waits.done('events', 'p1');
    await waits.done('gitops', 'env-a-1');
    await redis.hset('dispatchd:events:p2', 'finishedOn', String(now));
    await redis.del('dispatchd:events:p3');
    await new Promise((r) => setTimeout(r, 300));
    [gh] = await waits.list();
    assert.equal(gh?.waiting, 0);
    assert.equal(gh?.healedAt, now);
    text = await metrics.registry.metrics();
    assert.equal(sample(text, 'dispatchd_host_waiting_deliveries', 'github'), 0);
    assert.equal(sample(text, 'dispatchd_host_failing', 'github'), 0);
  });

  it('attributes a failure to the host its message names, registry errors to "registry"', () => {
    const hosts = ['github', 'gitlab'];
    assert.equal(
      hostOfFailure(new TransientError('scm_unavailable', 'gitlab: read ref: HTTP 503'), 'github', hosts),
      'gitlab',
    );
    assert.equal(
      hostOfFailure(
        new TransientError('registry_unavailable', 'could not read image x from registry r'),
        'github',
        hosts,
      ),
      'registry',
    );
    assert.equal(
      hostOfFailure(new TransientError('git_network', 'git push failed: unable to access'), 'github', hosts),
      'github',
    );
  });
});
