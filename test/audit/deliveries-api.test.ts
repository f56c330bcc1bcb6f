import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { eventually } from '../e2e/fixtures.js';
import { ADMIN, APP, GITOPS, startFullStack, type FullStack } from '../http/full-stack.js';

describe('audit trail: GET /api/deliveries, /:id and retry, through the real stack', () => {
  let s: FullStack;
  const auth = { authorization: `Bearer ${ADMIN}` };
  const get = (path: string) => request(s.server).get(path).set(auth);
  // The record's shape is what the API answers; the tests read it field by field.
  const record = async (id: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (await get(`/api/deliveries/${encodeURIComponent(id)}`)).body as Record<string, any>;

  before(async () => {
    s = await startFullStack();
  });
  after(async () => {
    await s?.stop();
  });

  it('records a push from receipt to its pull request', async () => {
    const t0 = Date.now();
    const { sha, deliveryId, status } = await push('staging', '1.1.0');
    assert.equal(status, 202);
    const id = `github:${deliveryId}`;
    const rec = await eventually(
      async () => {
        const r = await record(id);
        return r.status === 'succeeded' ? r : undefined;
      },
      30_000,
      'the delivery to succeed',
    );
    assert.equal(rec.host, 'github');
    assert.equal(rec.deliveryId, deliveryId);
    assert.equal(rec.repo, APP);
    assert.equal(rec.ref, 'refs/heads/staging');
    assert.equal(rec.commit, sha);
    assert.ok(Date.parse(rec.receivedAt) >= t0 - 1000 && Date.parse(rec.receivedAt) <= Date.now());
    assert.equal(rec.dispatchfileFound, true);
    assert.deepEqual(rec.tasks.map((t: { task: string }) => t.task).sort(), ['build', 'deploy']);
    const deploy = rec.tasks.find((t: { task: string }) => t.task === 'deploy');
    assert.equal(deploy.outcome, 'updated');
    const pr = s.gh.pulls(GITOPS).find((p) => p.state === 'open');
    assert.ok(pr, 'the emulator holds the pull request');
    assert.match(deploy.prUrl, new RegExp(`/pull/${pr.number}$`));
    assert.deepEqual(rec.prUrls, [deploy.prUrl]);
    assert.deepEqual(rec.errors, []);
  });

  it('lists deliveries newest first and filters by repo, host and status', async () => {
    const { deliveryId } = await push('feature-z', '0.0.1');
    await s.idle();
    const all = (await get('/api/deliveries').expect(200)).body.deliveries as { deliveryId: string; status: string }[];
    assert.ok(all.length >= 2);
    assert.equal(all[0]!.deliveryId, deliveryId, 'the newest delivery comes first');
    assert.equal(all[0]!.status, 'skipped', 'a push no action matches is recorded as skipped');
    const succeeded = (await get('/api/deliveries?status=succeeded').expect(200)).body.deliveries as {
      status: string;
    }[];
    assert.ok(succeeded.length >= 1 && succeeded.every((d) => d.status === 'succeeded'));
    assert.equal(
      (await get(`/api/deliveries?repo=${encodeURIComponent('other/repo')}`).expect(200)).body.deliveries.length,
      0,
    );
    assert.equal((await get('/api/deliveries?host=github&limit=1').expect(200)).body.deliveries.length, 1);
    const bad = await get('/api/deliveries?status=exploded').expect(400);
    assert.match(bad.body.message, /status must be one of/);
  });

  it('answers 404 naming the way to list deliveries for an unknown id', async () => {
    const res = await get('/api/deliveries/github:nope').expect(404);
    assert.match(res.body.message, /GET \/api\/deliveries/);
  });

  it('refuses to retry a delivery that did not fail', async () => {
    const list = (await get('/api/deliveries?status=succeeded').expect(200)).body.deliveries as { id: string }[];
    const res = await request(s.server)
      .post(`/api/deliveries/${encodeURIComponent(list[0]!.id)}/retry`)
      .set(auth)
      .expect(409);
    assert.match(res.body.message, /only failed deliveries are retried/);
  });

  it('records a failed GitOps update with its error, and a retry after the fix succeeds', async () => {
    // Break production's template: the update fails for good (a missing template value).
    await s.gh.git.commit(
      GITOPS,
      'main',
      { 'production/application.yaml.tmpl': 'spec:\n  image: $({ .imageName })\n  replicas: $({ .replicas })\n' },
      'Need replicas',
    );
    const { deliveryId } = await push('production', '2.0.0');
    const id = `github:${deliveryId}`;
    const failed = await eventually(
      async () => {
        const r = await record(id);
        return r.status === 'failed' ? r : undefined;
      },
      30_000,
      'the delivery to fail',
    );
    assert.match(failed.errors.join('\n'), /replicas/);
    assert.equal(failed.tasks.find((t: { task: string }) => t.task === 'deploy').outcome, 'failed');
    assert.ok(
      (await get('/api/deliveries?status=failed').expect(200)).body.deliveries.some((d: { id: string }) => d.id === id),
    );

    await s.gh.git.commit(
      GITOPS,
      'main',
      { 'production/application.yaml.tmpl': 'spec:\n  image: $({ .imageName })\n' },
      'Fix template',
    );
    const retry = await request(s.server)
      .post(`/api/deliveries/${encodeURIComponent(id)}/retry`)
      .set(auth)
      .expect(202);
    assert.equal(retry.body.status, 'queued');
    assert.match(retry.body.jobId, /-retry-1$/);
    const ok = await eventually(
      async () => {
        const r = await record(id);
        return r.status === 'succeeded' ? r : undefined;
      },
      30_000,
      'the retried delivery to succeed',
    );
    assert.equal(ok.retries, 1);
    assert.equal(ok.history.length, 1);
    assert.equal(ok.history[0].status, 'failed');
    assert.match(ok.history[0].errors.join('\n'), /replicas/);
    assert.equal(ok.prUrls.length, 1);
    const pr = s.gh.pulls(GITOPS).find((p) => p.head === `dispatchd/github/${APP}/production`);
    assert.ok(pr && ok.prUrls[0].endsWith(`/pull/${pr.number}`));
  });

  function push(branch: string, version: string) {
    return s.push(branch, version);
  }
});
