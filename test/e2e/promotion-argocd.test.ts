import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { startArgocdEmulator, type ArgocdEmulator } from '../emulators/argocd/emulator.js';
import { APP, deployment, GITOPS, startRig, TOKEN, type Rig } from '../gitops/rig.js';

const ARGO_TOKEN = 'argocd-e2e-api-token';
const STAGING_HEAD = `dispatchd/github/${APP}/staging`;
const PROD_HEAD = `dispatchd/github/${APP}/production`;

/** The gate read from the Argo CD API (an emulator of its Application endpoint) instead of a status. */
describe('Promotion gated on the Argo CD API', { timeout: 180_000 }, () => {
  let rig: Rig;
  let argo: ArgocdEmulator;
  const promotion = async () =>
    (
      (await rig.adminCall('get', '/api/environments')).body.environments as {
        dir: string;
        feeds: { promotion: { phase: string; detail: string; source?: string } | null }[];
      }[]
    ).find((e) => e.dir === 'staging')?.feeds[0]?.promotion;
  const phase = (want: string, source: string) =>
    eventually(
      async () => {
        const p = await promotion();
        return p?.phase === want && p.source === source ? p : undefined;
      },
      60_000,
      `${want} for ${source.slice(0, 7)}`,
    );
  const mergeStaging = async () => {
    const pr = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.head === STAGING_HEAD && p.state === 'open'),
      30_000,
      'the staging PR',
    );
    await rig.stack.idle();
    const res = await fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/pulls/${pr.number}/merge`, {
      method: 'PUT',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ merge_method: 'merge' }),
    });
    assert.equal(res.status, 200);
    return (await rig.gh.git.revParse(GITOPS, 'main'))!;
  };

  before(async () => {
    argo = await startArgocdEmulator(ARGO_TOKEN);
    rig = await startRig({
      gitopsFiles: {
        'staging/app.yaml.tmpl': deployment('staging'),
        'production/app.yaml.tmpl': deployment('production'),
      },
      tasks: [
        {
          name: 'deploy',
          branches: ['main'],
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
        },
      ],
      promotions: [
        {
          from: 'staging',
          to: 'production',
          gate: { argocd: { url: argo.url, application: 'hello-world-staging', token: ARGO_TOKEN } },
        },
      ],
      // Gates and merges are found by polling here: a short poll finds them within a second.
      poll: { first: '250ms', max: '1s' },
    });
  });
  after(async () => {
    await rig?.close();
    await argo?.close();
  });

  it('waits until the Application is Synced to the merged commit and Healthy, then promotes', async () => {
    const base = (await rig.gh.git.revParse(GITOPS, 'main'))!;
    argo.setApp('hello-world-staging', { sync: 'Synced', revision: base, health: 'Healthy' });
    const v1 = await rig.push('main', '1.0.0');
    const merged = await mergeStaging();
    const waiting = await phase('gate-pending', v1.sha);
    assert.match(waiting.detail, new RegExp(`hello-world-staging is at ${base.slice(0, 7)}, not yet at`));
    argo.setApp('hello-world-staging', { sync: 'Synced', revision: merged, health: 'Progressing' });
    await eventually(
      async () => ((await promotion())?.detail.includes('is Synced and Progressing') ? true : undefined),
      60_000,
      'Progressing seen',
    );
    assert.equal(
      rig.gh.pulls(GITOPS).find((p) => p.head === PROD_HEAD),
      undefined,
      'not promoted while Progressing',
    );
    argo.setApp('hello-world-staging', { sync: 'Synced', revision: merged, health: 'Healthy' });
    const pr = await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.head === PROD_HEAD), 60_000, 'production PR');
    assert.match(pr.body ?? '', /Argo CD hello-world-staging Synced and Healthy on/);
    assert.match(
      (await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '',
      new RegExp(`main-${v1.sha}`),
    );
  });

  it('a Degraded Application at the merged commit promotes nothing and says why', async () => {
    const v2 = await rig.push('main', '2.0.0');
    await eventually(
      async () =>
        new RegExp(`main-${v2.sha}`).test((await rig.gh.git.readFile(GITOPS, STAGING_HEAD, 'staging/app.yaml')) ?? '')
          ? true
          : undefined,
      30_000,
      'staging PR for v2',
    );
    const merged = await mergeStaging();
    argo.setApp('hello-world-staging', {
      sync: 'Synced',
      revision: merged,
      health: 'Degraded',
      message: 'Deployment exceeded its progress deadline',
    });
    const failed = await phase('gate-failed', v2.sha);
    assert.match(failed.detail, /hello-world-staging is Degraded: Deployment exceeded its progress deadline at \w{7}/);
    assert.doesNotMatch(
      (await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '',
      new RegExp(`main-${v2.sha}`),
    );
  });
});
