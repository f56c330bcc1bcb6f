import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { eventually } from '../e2e/fixtures.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ADMIN, APP, GITOPS, SECRET, TOKEN, startFullStack, type FullStack } from './full-stack.js';

const REGISTRY_USER = 'ci-pusher';
const REGISTRY_PASSWORD = 'reg-pass-71e0c4d9b2';

describe('JSON logs of a full push → PR run carry ids and no secret', () => {
  let reg: TestRegistry;
  let s: FullStack;
  let deliveryId = '';
  let lines: Record<string, unknown>[] = [];

  before(async () => {
    reg = await startRegistry({ htpasswd: { user: REGISTRY_USER, password: REGISTRY_PASSWORD } });
    s = await startFullStack({
      imageUrl: `${reg.host}/acme/hello-world:$(context.build.name)-$(context.git.commit)`,
      dispatchfileArgs: ['-substitute=imageDigest=$(inputs.resources.docker-image.digest)'],
      extraYaml: `registries:\n  - host: "${reg.host}"\n    username: ${REGISTRY_USER}\n    password: ${REGISTRY_PASSWORD}\n    insecure: true\ndigestWait: 30s\n`,
    });
    const pushed = await s.push('staging', '3.0.0');
    assert.equal(pushed.status, 202);
    deliveryId = pushed.deliveryId;
    // CI pushes the image after the webhook, as it would: dispatchd waits for it.
    const digest = await reg.pushImage('acme/hello-world', `staging-${pushed.sha}`);
    const pr = await eventually(() => s.gh.pulls(GITOPS)[0], 30_000, 'a pull request');
    await s.idle();
    assert.match(
      pr.body ?? '',
      new RegExp(digest.slice(7, 19)),
      'the PR names the resolved digest: the registry credentials were used',
    );
    // Admin traffic, a wrong admin token and a forged webhook, all logged.
    await request(s.server).get('/api/deliveries').set('authorization', `Bearer ${ADMIN}`).expect(200);
    await request(s.server).get('/metrics').set('authorization', `Bearer ${ADMIN}`).expect(200);
    await request(s.server).get('/api/deliveries').set('authorization', 'Bearer wrong-admin-token').expect(401);
    assert.equal((await s.push('staging', '3.0.1', { secret: 'forged' })).status, 401);
    lines = s.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  });
  after(async () => {
    await s?.stop();
    await reg?.close();
  });

  it('contains none of the configured secrets, in clear or as Basic credentials', () => {
    const all = s.logs.join('');
    assert.ok(s.logs.length >= 6, `expected a full run's logs, got ${s.logs.length} lines`);
    const b64 = (x: string) => Buffer.from(x).toString('base64');
    const secrets = {
      TOKEN,
      SECRET,
      ADMIN,
      REGISTRY_PASSWORD,
      gitBasic: b64(`x-access-token:${TOKEN}`),
      registryBasic: b64(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`),
    };
    for (const [name, value] of Object.entries(secrets)) {
      const hit = s.logs.find((l) => l.includes(value));
      assert.equal(hit, undefined, `${name} leaked into a log line: ${hit}`);
    }
    assert.ok(all.includes(APP), 'the logs do describe the run');
  });

  it('puts the delivery id on the webhook line and on the worker lines of that push', () => {
    const webhook = lines.find((l) => l.msg === 'webhook' && l.deliveryId === deliveryId);
    assert.ok(webhook, 'a webhook line with the delivery id');
    assert.equal(typeof webhook.requestId, 'string');
    assert.ok(
      lines.some((l) => l.msg === 'planned' && l.deliveryId === deliveryId),
      'the plan line names the delivery',
    );
  });

  it('gives every API request line a request id', () => {
    const api = lines.filter((l) => l.msg === 'request' && l.path === '/api/deliveries');
    assert.equal(api.length, 2);
    assert.ok(api.every((l) => typeof l.requestId === 'string' && l.requestId !== ''));
    assert.deepEqual(api.map((l) => l.status).sort(), [200, 401]);
  });
});

describe('the logger scrubs credentials quoted in messages', () => {
  it('hides URL userinfo and Authorization values inside strings', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('../../src/log/logger.js');
    const out: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(c, _e, cb) {
          out.push(String(c));
          cb();
        },
      }),
    });
    log.warn(
      { err: 'fatal: unable to access https://x-access-token:ghs_abcdef123456@git.example.com/acme/app.git/' },
      'git push failed: Authorization: Bearer eyJhbGciOi.secretpart',
    );
    const line = out.join('');
    assert.doesNotMatch(line, /ghs_abcdef123456|secretpart/);
    assert.match(line, /https:\/\/x-access-token:\*\*\*@git\.example\.com\/acme\/app\.git/);
    assert.match(line, /Bearer \[redacted\]/);
  });
});
