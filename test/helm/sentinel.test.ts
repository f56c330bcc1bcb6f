import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisTarget } from '../../src/redis/target.js';
import { readSettings } from '../../src/runtime/settings.js';
import { cachedRender, chartDir, ciValues, container, envOf, helmFetcher, kinds, runHelm, workload, type Container } from './helm.js';

// Fetched on first use; a fetch failure fails every test with fetch-helm.sh's message (never a skip).
const getHelm = helmFetcher();
const renderCase = cachedRender(getHelm);
const sentinel = ['-f', ciValues('sentinel-redis-values.yaml')];
const inlineConfig = ['--set', 'config.hosts.gh.kind=github', '--set', 'config.hosts.gh.url=https://github.com'];

/** The environment a pod would start with, Secret references resolved from `secrets`. */
function podEnv(c: Container, secrets: Record<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const v = e.value ?? (ref ? secrets[ref.name]?.[ref.key] : undefined);
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

describe('helm chart: Redis behind Sentinel', () => {
  test('the ci values lint and render no Redis of the chart', () => {
    const r = runHelm(getHelm(), ['lint', '--strict', chartDir, ...sentinel]);
    assert.equal(r.status, 0, `helm lint:\n${r.stdout}${r.stderr}`);
    const ms = renderCase(sentinel);
    assert.ok(!kinds(ms).some((k) => k.startsWith('StatefulSet/') || k === 'Service/rel-dispatchd-redis' || k.startsWith('NetworkPolicy/')), kinds(ms).join(', '));
  });

  test('receiver and worker read the sentinels, the master name, the replica setting and both passwords the app uses', () => {
    const ms = renderCase(sentinel);
    for (const name of ['rel-dispatchd-receiver', 'rel-dispatchd-worker']) {
      const c = container(workload(ms, 'Deployment', name));
      const env = envOf(c);
      assert.deepEqual(env.get('REDIS_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'redis-auth', key: 'redis-password' });
      assert.deepEqual(env.get('REDIS_SENTINEL_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'redis-auth', key: 'sentinel-password' });
      // What the app makes of that environment (src/runtime/settings.ts, src/redis/target.ts).
      const settings = readSettings(podEnv(c, { 'redis-auth': { 'redis-password': 'p@ss/1', 'sentinel-password': 's3nt' } }));
      const target = parseRedisTarget(settings.redisUrl!);
      assert.deepEqual(target, {
        sentinel: {
          sentinels: [
            { host: 'redis-node-0.redis-headless.redis.svc', port: 26379 },
            { host: 'redis-node-1.redis-headless.redis.svc', port: 26379 },
            { host: 'redis-node-2.redis-headless.redis.svc', port: 26379 },
          ],
          name: 'mymaster', db: 0, password: 'p@ss/1', sentinelPassword: 's3nt',
        },
        minReplicasToAck: 1,
        ackTimeoutMs: 500,
      }, `${name}: ${env.get('REDIS_URL')?.value}`);
    }
  });

  test('no Secret: no password variables; no replicas asked: no WAIT', () => {
    const ms = renderCase([...inlineConfig, '--set', 'redis.sentinel.enabled=true', '--set', 'redis.sentinel.hosts={10.0.0.1:26380,10.0.0.2}', '--set', 'redis.sentinel.masterName=orders']);
    const env = envOf(container(workload(ms, 'Deployment', 'rel-dispatchd-worker')));
    assert.equal(env.get('REDIS_URL')?.value, 'redis+sentinel://10.0.0.1:26380,10.0.0.2:26379/orders');
    assert.ok(!env.has('REDIS_PASSWORD') && !env.has('REDIS_SENTINEL_PASSWORD'));
    assert.deepEqual(parseRedisTarget(env.get('REDIS_URL')!.value!).minReplicasToAck, 0);
  });

  test('rendering fails with a message that says what to set', () => {
    const fails = (args: string[], message: RegExp) => {
      const r = runHelm(getHelm(), ['template', 'rel', chartDir, ...args]);
      assert.notEqual(r.status, 0, `expected failure for ${args.join(' ')}`);
      assert.match(r.stderr, message);
    };
    fails([...inlineConfig, '--set', 'redis.sentinel.enabled=true'], /redis\.sentinel\.hosts: list the sentinels/);
    fails([...sentinel, '--set', 'redis.url=redis://x:6379'], /redis\.sentinel\.enabled=true names the Redis through its sentinels/);
    fails([...sentinel, '--set', 'redis.enabled=true'], /not both/);
    fails(inlineConfig, /or redis\.sentinel\.enabled=true with redis\.sentinel\.hosts/);
    fails([...sentinel, '--set', 'redis.sentinel.hosts={a:1/x}'], /redis\/sentinel\/hosts\/0.*does not match pattern/);
    fails([...sentinel, '--set', 'redis.sentinel.minReplicasToAck=-1'], /minReplicasToAck/);
    fails([...sentinel, '--set', 'redis.sentinel.master=x'], /additional properties 'master' not allowed/);
  });
});
