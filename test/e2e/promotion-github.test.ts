import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { APP, deployment, GITOPS, lastStatus, startRig, TOKEN, type Rig } from '../gitops/rig.js';

const REPO = `github:${GITOPS}`;
const STAGING_HEAD = `dispatchd/github/${APP}/staging`;
const PROD_HEAD = `dispatchd/github/${APP}/production`;
const GATE = 'argocd/hello-world-staging';

type Env = {
  dir: string;
  carries: { sha: string; images: Record<string, string> } | null;
  feeds: { to: string; promotion: { phase: string; detail: string; source?: string } | null }[];
  fedBy: { from: string; behind: { behind: boolean } | null } | null;
  paused: { reason?: string } | null;
  rollback: { phase: string; to?: string; error?: string } | null;
};

/**
 * staging → production on the GitHub emulator, gated on the status Argo CD Notifications would
 * post on the synced GitOps commit. The check polls (no event is sent here): what it proves holds
 * when every event is lost.
 */
describe('Promotion chain staging → production (GitHub)', { timeout: 240_000 }, () => {
  let rig: Rig;
  const api = (method: string, path: string, body?: object) =>
    fetch(`${rig.gh.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const envs = async (): Promise<Env[]> => (await rig.adminCall('get', '/api/environments')).body.environments;
  const env = async (dir: string) => (await envs()).find((e) => e.dir === dir);
  const openPr = (head: string) => rig.gh.pulls(GITOPS).find((p) => p.head === head && p.state === 'open');
  // A squash merge's message (the PR title) keeps none of dispatchd's trailers: the content decides.
  const mergeStaging = async (method: 'merge' | 'squash' = 'merge') => {
    const pr = await eventually(() => openPr(STAGING_HEAD), 30_000, 'the staging pull request');
    await rig.stack.idle();
    const res = await api('PUT', `/repos/${GITOPS}/pulls/${pr.number}/merge`, { merge_method: method });
    assert.equal(res.status, 200, await res.text());
    return (await rig.gh.git.revParse(GITOPS, 'main'))!;
  };
  const postGate = async (sha: string, state: string) => {
    const res = await api('POST', `/repos/${GITOPS}/statuses/${sha}`, { state, context: GATE, description: 'Healthy' });
    assert.equal(res.status, 201, await res.text());
  };

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
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
        },
      ],
      promotions: [{ from: 'staging', to: 'production', gate: { status: { context: GATE } } }],
      // The gate is found by polling alone; a short poll finds it within a second, not at 8 or 16 s.
      poll: { first: '250ms', max: '1s' },
    });
  });
  after(async () => rig?.close());

  it('a squash-merged staging update waits for its gate, then production gets a PR with the same image', async () => {
    const v1 = await rig.push('main', '1.0.0');
    const merged = await mergeStaging('squash');
    assert.doesNotMatch(
      (await rig.gh.git.log(GITOPS, 'main', 1))[0]?.message ?? '',
      /Dispatchd-Env/,
      'the squash commit has no trailers',
    );
    const waiting = await eventually(
      async () => {
        const p = (await env('staging'))?.feeds[0]?.promotion;
        return p?.phase === 'gate-pending' ? p : undefined;
      },
      30_000,
      'the promotion waiting for its gate',
    );
    assert.match(waiting.detail, new RegExp(`no ${GATE} status yet`));
    assert.equal(waiting.source, v1.sha);
    assert.equal(openPr(PROD_HEAD), undefined, 'nothing promoted before the gate passes');

    await postGate(merged, 'success');
    const prodPr = await eventually(() => openPr(PROD_HEAD), 60_000, 'the production pull request');
    await rig.stack.idle();
    const staged = await rig.gh.git.readFile(GITOPS, 'main', 'staging/app.yaml');
    const image = /image: (\S+)/.exec(staged ?? '')![1]!;
    assert.match(image, new RegExp(`main-${v1.sha}$`));
    const prod = (await rig.gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '';
    assert.match(prod, new RegExp(`image: ${image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n`));
    assert.match(prod, /namespace: production/);
    assert.match(prodPr.body ?? '', /Promoted from `staging`/);
    assert.match(prodPr.body ?? '', new RegExp(`${GATE} success on ${merged.slice(0, 7)}`));
    assert.equal(lastStatus(rig.gh, v1.sha, 'dispatchd/promote/production')?.state, 'success');
    const view = await env('production');
    assert.equal(view?.carries?.sha, v1.sha);
    assert.equal(view?.fedBy?.from, 'staging');
    assert.equal((await env('staging'))?.feeds[0]?.promotion?.phase, 'promoted');
  });

  it('a failed gate promotes nothing, and the environments view says why', async () => {
    const prodBefore = openPr(PROD_HEAD)!.headSha;
    const v2 = await rig.push('main', '2.0.0');
    await eventually(
      async () => ((await env('staging'))?.carries?.sha === v2.sha ? true : undefined),
      30_000,
      'staging carrying v2',
    );
    const merged = await mergeStaging();
    await postGate(merged, 'failure');
    const failed = await eventually(
      async () => {
        const p = (await env('staging'))?.feeds[0]?.promotion;
        return p?.phase === 'gate-failed' && p.source === v2.sha ? p : undefined;
      },
      60_000,
      'the failed gate in the environments view',
    );
    assert.match(failed.detail, new RegExp(`${GATE} is failure on ${merged.slice(0, 7)}: Healthy; nothing promoted`));
    assert.equal(openPr(PROD_HEAD)!.headSha, prodBefore, 'production still proposes v1');
    assert.equal((await env('production'))?.fedBy?.behind?.behind, true);
    (rig as unknown as { v2: string }).v2 = v2.sha;
  });

  it('a rollback holds staging and proposes the commit before; a push during the hold waits for resume', async () => {
    const v2 = (rig as unknown as { v2: string }).v2;
    const v1 = (await envs()).find((e) => e.dir === 'production')!.carries!.sha;
    const res = await rig.adminCall('post', '/api/environments/rollback', { repo: REPO, dir: 'staging', by: 'ops' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await eventually(
      async () => {
        const r = (await env('staging'))?.rollback;
        return r?.phase === 'done' || r?.phase === 'failed' ? r : undefined;
      },
      30_000,
      'the rollback',
    );
    assert.equal(done.phase, 'done', done.error);
    assert.equal(done.to, v1);
    const rolled = await rig.gh.git.readFile(GITOPS, STAGING_HEAD, 'staging/app.yaml');
    assert.match(rolled ?? '', new RegExp(`main-${v1}`));
    assert.ok(openPr(STAGING_HEAD), 'the rollback is proposed as a pull request');
    assert.match((await env('staging'))?.paused?.reason ?? '', /^rollback/);

    const v3 = await rig.push('main', '3.0.0');
    await rig.stack.idle();
    assert.match(lastStatus(rig.gh, v3.sha)?.description ?? '', /^paused: /);
    assert.match((await rig.gh.git.readFile(GITOPS, STAGING_HEAD, 'staging/app.yaml')) ?? '', new RegExp(`main-${v1}`));

    const resumed = await rig.adminCall('post', '/api/environments/resume', { repo: REPO, dir: 'staging' });
    assert.equal(resumed.body.status, 'resumed');
    await eventually(
      async () =>
        new RegExp(`main-${v3.sha}`).test((await rig.gh.git.readFile(GITOPS, STAGING_HEAD, 'staging/app.yaml')) ?? '')
          ? true
          : undefined,
      30_000,
      'the held push applied on resume',
    );
    assert.notEqual(v2, v3.sha);
    assert.equal((await env('staging'))?.rollback, null);
  });
});
