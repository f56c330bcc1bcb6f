import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAuditTrail } from '../../src/audit/trail.js';
import { parseConfig } from '../../src/config/load.js';
import type { PushEvent } from '../../src/core/push-event.js';
import type { GitopsReport } from '../../src/telemetry/observer.js';
import { pushEvent } from '../helpers/push-event.js';
import { startRedis } from '../helpers/redis.js';

const event = (deliveryId: string, receivedAt: number): PushEvent => pushEvent({ deliveryId, receivedAt });

describe('audit trail in Redis', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('keeps each delivery for the configured retention, then forgets it', async () => {
    let clock = 1_000_000;
    const audit = createAuditTrail({ redis, retentionMs: 300, now: () => clock });
    await audit.received([event('old', clock)]);
    const ttl = await redis.pttl('dispatchd:audit:delivery:github:old');
    assert.ok(ttl > 0 && ttl <= 300, `ttl ${ttl}`);
    assert.deepEqual(
      (await audit.list()).map((d) => d.deliveryId),
      ['old'],
    );
    clock += 1000;
    await audit.received([event('new', clock)]);
    assert.deepEqual(
      (await audit.list()).map((d) => d.deliveryId),
      ['new'],
      'the index drops deliveries past retention',
    );
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await audit.get('github:old'), null);
  });

  it('records the outcomes of concurrent runs for two environments of one push', async () => {
    const audit = createAuditTrail({ redis, retentionMs: 60_000 });
    const e = event('two-envs', Date.now());
    await audit.received([e]);
    await audit.planned({
      event: e,
      seq: 41,
      jobId: 'j',
      found: true,
      durationMs: 5,
      tasks: [
        { task: 'deploy-eu', kind: 'gitops', description: 'eu', envId: 'env-eu' },
        { task: 'deploy-us', kind: 'gitops', description: 'us', envId: 'env-us' },
      ],
    });
    assert.equal((await audit.get('github:two-envs'))?.status, 'running');
    const run = (envId: string, prUrl: string) =>
      ({
        envId,
        seq: 41,
        spec: {} as GitopsReport['spec'],
        durationMs: 1,
        result: { outcome: 'updated', branch: 'b', commit: 'c', files: [], images: {}, args: [], prUrl },
        settled: [{ host: 'github', repo: 'acme/app', sha: e.after, context: 'dispatchd/x', seq: 41 }],
      }) as GitopsReport;
    await Promise.all([
      audit.gitopsRun(run('env-eu', 'https://g/o/pull/1')),
      audit.gitopsRun(run('env-us', 'https://g/o/pull/2')),
    ]);
    const rec = await audit.get('github:two-envs');
    assert.equal(rec?.status, 'succeeded');
    assert.deepEqual(rec?.prUrls.sort(), ['https://g/o/pull/1', 'https://g/o/pull/2']);
  });

  it('reads retention from the config, 14 days by default', () => {
    const base = 'hosts:\n  g:\n    kind: git\n    url: https://git.example.com\n    webhookSecret: s\n';
    assert.equal(parseConfig(base, {}).audit.retention, '14d');
    assert.equal(parseConfig(`${base}audit:\n  retention: 2d\n`, {}).audit.retention, '2d');
    assert.throws(() => parseConfig(`${base}audit:\n  retention: forever\n`, {}), /audit\.retention|retention/);
  });
});
