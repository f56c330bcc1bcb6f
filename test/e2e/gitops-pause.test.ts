import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const HEAD = `dispatchd/github/${APP}/staging`;
const REPO = `github:${GITOPS}`;

describe('Pausing an environment during an incident', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig({
      gitopsFiles: { 'staging/application.yaml.tmpl': deployment('staging') },
      tasks: [
        {
          name: 'deploy',
          branches: ['staging'],
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=$(context.build.name)/**'],
        },
      ],
    });
  });
  after(async () => rig?.close());

  it('refuses a pause without the admin token or with a repo no grant names', async () => {
    const { default: request } = await import('supertest');
    assert.equal(
      (await request(rig.admin).post('/api/environments/pause').send({ repo: REPO, dir: 'staging' })).status,
      401,
    );
    const bad = await rig.adminCall('post', '/api/environments/pause', { repo: 'acme/gitops', dir: 'staging' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /<host>:<owner\/name>/);
    const unknown = await rig.adminCall('post', '/api/environments/pause', {
      repo: 'github:acme/other',
      dir: 'staging',
    });
    assert.equal(unknown.status, 404);
  });

  it('while paused, pushes are recorded with a "paused" status and nothing is written', async () => {
    const paused = await rig.adminCall('post', '/api/environments/pause', {
      repo: REPO,
      dir: './staging/',
      reason: 'incident 42',
      by: 'ops',
    });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.pause.dir, 'staging');
    const pushesBefore = rig.gh.git.pushes;
    const a = await rig.push('staging', '1.0.0');
    const b = await rig.push('staging', '1.0.1');
    await rig.stack.idle();
    assert.equal(rig.gh.git.pushes, pushesBefore, 'no git push while paused');
    assert.equal(rig.gh.pulls(GITOPS).length, 0, 'no pull request while paused');
    // Each plan reads the branch's tip: the older push may have been planned as the newer commit
    // (then it has no status of its own); whatever was planned is told it waits.
    for (const { sha } of [a, b]) {
      const s = lastStatus(rig.gh, sha);
      // A plan that finds its environment paused says so itself, whatever its job does after.
      if (sha === a.sha && !s) continue;
      assert.equal(s?.state, 'pending');
      assert.match(s?.description ?? '', /^paused: an operator paused staging of acme\/hello-world-gitops/);
    }
    const list = await rig.adminCall('get', '/api/environments');
    assert.equal(list.status, 200);
    const env = list.body.environments.find((e: { dir: string }) => e.dir === 'staging');
    assert.equal(env.repo, REPO);
    assert.equal(env.newest.sha, b.sha);
    assert.ok(env.waiting >= 1 && env.waiting <= 2, `waiting ${env.waiting}`);
    assert.equal(env.paused.reason, 'incident 42');
    assert.equal(env.last.outcome, 'paused');
    (rig as unknown as { held: string[] }).held = [a.sha, b.sha];
  });

  it('on resume the newest push is applied, once', async () => {
    const [older, newest] = (rig as unknown as { held: string[] }).held;
    const res = await rig.adminCall('post', '/api/environments/resume', { repo: REPO, dir: 'staging' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'resumed');
    assert.equal(res.body.queued.length, 1);
    const pr = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.state === 'open'),
      30_000,
      'a pull request after resume',
    );
    await rig.stack.idle();
    assert.equal(pr.head, HEAD);
    assert.match(
      (await rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml')) ?? '',
      new RegExp(`staging-${newest}`),
    );
    assert.equal(lastStatus(rig.gh, newest!)?.state, 'success');
    const olderStatus = lastStatus(rig.gh, older!);
    if (olderStatus) assert.match(olderStatus.description ?? '', /superseded by newer push/);
    const again = await rig.adminCall('post', '/api/environments/resume', { repo: REPO, dir: 'staging' });
    assert.equal(again.body.status, 'not paused');
    const list = await rig.adminCall('get', '/api/environments');
    assert.equal(list.body.environments[0].paused, null);
    assert.equal(list.body.environments[0].waiting, 0);
    assert.match(list.body.environments[0].last.prUrl, new RegExp(`/pull/${pr.number}$`));
  });
});
