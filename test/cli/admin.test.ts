import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { environmentsRouter } from '../../src/http/api/environments.js';
import { rollbackRouter } from '../../src/http/api/rollback.js';
import { createApp } from '../../src/http/app.js';
import { eventually } from '../e2e/fixtures.js';
import { ADMIN, APP, GITOPS, startFullStack, type FullStack } from '../http/full-stack.js';
import { listen, runCli } from './run-cli.js';

describe('dispatchd retry, pause and resume against the real admin API', () => {
  let s: FullStack;
  let envServer: Server;
  let url: string;
  let envUrl: string;
  let home: string;
  const admin = { DISPATCHD_ADMIN_TOKEN: ADMIN, USER: 'oncall' };
  const record = async (id: string) =>
    (
      await request(s.server)
        .get(`/api/deliveries/${encodeURIComponent(id)}`)
        .set('authorization', `Bearer ${ADMIN}`)
    ).body as { status: string; retries: number };

  before(async () => {
    s = await startFullStack();
    url = await listen(s.server);
    // The receiver does not mount the environments router yet; the same router runs here over the same Redis and queues.
    envServer = createServer(
      createApp({
        redis: s.producer.redis,
        admin: { token: ADMIN },
        apiRouters: [
          environmentsRouter({ redis: s.producer.redis, gitops: s.producer.gitops, config: s.config }),
          rollbackRouter({ redis: s.producer.redis, promotions: s.producer.promotions, config: s.config }),
        ],
      }),
    );
    envUrl = await listen(envServer);
    home = await mkdtemp(join(tmpdir(), 'dispatchd-cli-admin-'));
  });
  after(async () => {
    await new Promise<void>((r) => envServer.close(() => r()));
    await s?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('retry re-runs a delivery that failed after its 202; refuses one that did not fail', async () => {
    await s.gh.git.commit(
      GITOPS,
      'main',
      { 'production/application.yaml.tmpl': 'spec:\n  image: $({ .imageName })\n  replicas: $({ .replicas })\n' },
      'Need replicas',
    );
    const { deliveryId } = await s.push('production', '2.0.0');
    const id = `github:${deliveryId}`;
    await eventually(
      async () => ((await record(id)).status === 'failed' ? true : undefined),
      30_000,
      'the delivery to fail',
    );
    await s.gh.git.commit(
      GITOPS,
      'main',
      { 'production/application.yaml.tmpl': 'spec:\n  image: $({ .imageName })\n' },
      'Fix template',
    );

    const [noToken, r] = await Promise.all([
      runCli(['retry', id, '--url', url]),
      runCli(['retry', id, '--url', url], admin),
    ]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /answered 401: .*DISPATCHD_ADMIN_TOKEN is not set in this shell/);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^queued a retry of ${id} \\(job .*-retry-1\\)`));
    const done = await eventually(
      async () => {
        const x = await record(id);
        return x.status === 'succeeded' ? x : undefined;
      },
      30_000,
      'the retry to succeed',
    );
    assert.equal(done.retries, 1);

    const again = await runCli(['retry', id, '--url', url], admin);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /answered 409: delivery "github:.*" is succeeded: only failed deliveries are retried/);
  });

  it('pause holds an environment; resume applies the newest push made meanwhile', async () => {
    const paused = await runCli(
      ['pause', `github:${GITOPS}`, 'staging', '--url', envUrl, '--reason', 'incident 42'],
      admin,
    );
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(
      paused.stdout,
      /^paused: github:acme\/hello-world-gitops staging since \S+ by oncall \(incident 42\)$/m,
    );
    const twice = await runCli(['pause', `github:${GITOPS}`, 'staging', '--url', envUrl], admin);
    assert.match(twice.stdout, /^already paused: /m);

    const { sha } = await s.push('staging', '3.0.0');
    await s.idle();
    const head = `dispatchd/github/${APP}/staging`;
    const onHead = async () => (await s.gh.git.readFile(GITOPS, head, 'staging/application.yaml')) ?? '';
    assert.ok(!(await onHead()).includes(sha), 'nothing is written while paused');

    const resumed = await runCli(['resume', `github:${GITOPS}`, 'staging', '--url', envUrl], admin);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^resumed: github:acme\/hello-world-gitops staging; 1 held update queued$/m);
    await eventually(
      async () => ((await onHead()).includes(sha) ? true : undefined),
      30_000,
      'the held push to be applied',
    );
    const idle = await runCli(['resume', `github:${GITOPS}`, 'staging', '--url', envUrl], admin);
    assert.match(idle.stdout, /^not paused: /);
  });

  it("exit 2 for a malformed target; exit 1 with the API's reason for a repository no grant names", async () => {
    const [malformed, ungranted] = await Promise.all([
      runCli(['pause', 'acme/gitops', 'staging', '--url', envUrl], admin),
      runCli(['pause', 'github:other/repo', 'staging', '--url', envUrl], admin),
    ]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /"acme\/gitops" is not "<host>:<owner\/name>"/);
    assert.equal(ungranted.code, 1);
    assert.match(ungranted.stderr, /answered 404: no gitops grant names github:other\/repo/);
  });

  it('rollback holds the environment as pause does and says so; a malformed --to is a usage error', async () => {
    const bad = await runCli(['rollback', `github:${GITOPS}`, 'staging', '--to', 'main', '--url', envUrl], admin);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--to main: give <host:owner\/name>@<commit>/);
    const res = await runCli(
      ['rollback', `github:${GITOPS}`, 'staging', '--reason', 'bad release', '--url', envUrl],
      admin,
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      /^rolling back: github:acme\/hello-world-gitops staging to the update before the current one; held until `dispatchd resume`$/m,
    );
    const twice = await runCli(['pause', `github:${GITOPS}`, 'staging', '--url', envUrl], admin);
    assert.match(twice.stdout, /^already paused: .* by oncall \(rollback: bad release\)$/m);
    const resumed = await runCli(['resume', `github:${GITOPS}`, 'staging', '--url', envUrl], admin);
    assert.match(resumed.stdout, /^resumed: /m);
  });
});
