import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { APP, deployment, GITOPS, lastStatus, startRig, TOKEN, type Rig } from '../gitops/rig.js';

const GATE = 'flux/kustomization/hello-world-staging';
const PROD_HEAD = `dispatchd/github/${APP}/production`;

/**
 * A staging that takes direct commits (no PR to merge), a gate of a status and a soak time, and a
 * production no push may reach on its own.
 */
describe('Promotion with a soak time, from an environment updated by direct commits', { timeout: 180_000 }, () => {
  let rig: Rig;
  const promotion = async () =>
    (
      (await rig.adminCall('get', '/api/environments')).body.environments as {
        dir: string;
        feeds: { promotion: { phase: string; detail: string } | null }[];
      }[]
    ).find((e) => e.dir === 'staging')?.feeds[0]?.promotion;

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'staging/app.yaml.tmpl': deployment('staging'),
        'production/app.yaml.tmpl': deployment('production'),
      },
      tasks: [
        {
          name: 'deploy',
          branches: ['main'],
          args: [
            '-substitute=imageName=$(inputs.resources.docker-image.url)',
            '-filepath=staging/**',
            '-create-pull-request=false',
          ],
        },
        {
          name: 'hotfix',
          branches: ['hotfix'],
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=production/**'],
        },
      ],
      promotions: [{ from: 'staging', to: 'production', gate: { status: { context: GATE }, soak: '3s' } }],
      // Gates and merges are found by polling here: a short poll finds them within a second.
      poll: { first: '250ms', max: '1s' },
    });
  });
  after(async () => rig?.close());

  it('a committed staging update is promoted only after its status has stayed green for the soak time', async () => {
    const v1 = await rig.push('main', '1.0.0');
    const landed = await eventually(
      async () =>
        new RegExp(`main-${v1.sha}`).test((await rig.gh.git.readFile(GITOPS, 'main', 'staging/app.yaml')) ?? '')
          ? rig.gh.git.revParse(GITOPS, 'main')
          : undefined,
      30_000,
      'the direct commit on main',
    );
    await eventually(async () => ((await promotion())?.phase === 'gate-pending' ? true : undefined), 30_000, 'gate');
    const res = await fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/statuses/${landed}`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: GATE }),
    });
    assert.equal(res.status, 201);
    const soaking = await eventually(
      async () => {
        const p = await promotion();
        return p?.phase === 'soaking' ? p : undefined;
      },
      30_000,
      'the soak',
    );
    assert.match(soaking.detail, /gate passed on \w{7}; soaking until \d{4}-/);
    const until = Date.parse(/soaking until (\S+)$/.exec(soaking.detail)![1]!);
    assert.equal(
      rig.gh.pulls(GITOPS).find((p) => p.head === PROD_HEAD),
      undefined,
      'nothing promoted while soaking',
    );
    const pr = await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.head === PROD_HEAD), 60_000, 'production');
    // Seen within 50 ms of its creation: a promotion before the soak ended would be seen before `until`.
    assert.ok(Date.now() >= until, `promoted ${until - Date.now()} ms before the soak ended`);
    assert.match(pr.body ?? '', /soak 3s on/);
    assert.match(
      (await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '',
      new RegExp(`main-${v1.sha}`),
    );
  });

  it('a push planned straight for the chain-fed production is refused, naming the link', async () => {
    const h = await rig.push('hotfix', '9.9.9');
    const status = await eventually(
      () => {
        const s = lastStatus(rig.gh, h.sha, 'dispatchd/hotfix');
        return s && s.state !== 'pending' ? s : undefined;
      },
      30_000,
      'the hotfix status',
    );
    assert.equal(status.state, 'failure');
    assert.match(status.description ?? '', /production of acme\/hello-world-gitops is fed by promotion from staging/);
  });

  it('a promotion into a held production is recorded, shown, and applied on resume', async () => {
    const REPO = `github:${GITOPS}`;
    const paused = await rig.adminCall('post', '/api/environments/pause', { repo: REPO, dir: 'production' });
    assert.equal(paused.status, 200);
    const v2 = await rig.push('main', '2.0.0');
    const landed = await eventually(
      async () =>
        new RegExp(`main-${v2.sha}`).test((await rig.gh.git.readFile(GITOPS, 'main', 'staging/app.yaml')) ?? '')
          ? rig.gh.git.revParse(GITOPS, 'main')
          : undefined,
      30_000,
      'v2 committed to staging',
    );
    const res = await fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/statuses/${landed}`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: GATE }),
    });
    assert.equal(res.status, 201);
    const held = await eventually(
      async () => {
        const envs = (await rig.adminCall('get', '/api/environments')).body.environments as {
          dir: string;
          newest: { sha: string };
          last: { outcome: string } | null;
          paused: object | null;
        }[];
        const prod = envs.find((e) => e.dir === 'production');
        return prod?.newest.sha === v2.sha && prod.last?.outcome === 'paused' ? prod : undefined;
      },
      60_000,
      'the promotion held at production',
    );
    assert.ok(held.paused);
    assert.doesNotMatch(
      (await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '',
      new RegExp(`main-${v2.sha}`),
      'nothing written while held',
    );
    const resumed = await rig.adminCall('post', '/api/environments/resume', { repo: REPO, dir: 'production' });
    assert.equal(resumed.body.status, 'resumed');
    await eventually(
      async () =>
        new RegExp(`main-${v2.sha}`).test((await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '')
          ? true
          : undefined,
      30_000,
      'the held promotion applied on resume',
    );
  });
});
