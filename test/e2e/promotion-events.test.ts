import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pollDelay, type CheckJob } from '../../src/promotion/check.js';
import { APP, deployment, GITOPS, SECRET, startRig, TOKEN, type Rig } from '../gitops/rig.js';
import { eventually } from './fixtures.js';

const GATE = 'argocd/hello-world-staging';
const STAGING_HEAD = `dispatchd/github/${APP}/staging`;
const PROD_HEAD = `dispatchd/github/${APP}/production`;

/**
 * With the GitOps repository's webhook pointed at dispatchd, the status Argo CD posts arrives as
 * a signed `status` event and runs the waiting promotion check at once, long before its next poll.
 */
describe('Promotion woken by the status webhook (GitHub)', { timeout: 180_000 }, () => {
  let rig: Rig;
  const api = (method: string, path: string, body: object) =>
    fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

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
    });
    await new Promise<void>((r) => rig.stack.server.listen(0, '127.0.0.1', r));
    const port = (rig.stack.server.address() as AddressInfo).port;
    rig.gh.addHook(GITOPS, { url: `http://127.0.0.1:${port}/hooks/github`, secret: SECRET, events: ['status'] });
  });
  after(async () => {
    rig?.stack.server.close();
    await rig?.close();
  });

  it('the gate status event promotes before the next poll would have', async () => {
    await rig.push('main', '1.0.0');
    const pr = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.head === STAGING_HEAD && p.state === 'open'),
      30_000,
      'the staging PR',
    );
    await rig.stack.idle();
    assert.equal((await api('PUT', `pulls/${pr.number}/merge`, { merge_method: 'merge' })).status, 200);
    const merged = (await rig.gh.git.revParse(GITOPS, 'main'))!;
    // Let the check back off until its next look is 16 s away.
    const waiting = await eventually(
      async () => {
        const [job] = await rig.stack.producer.promotions.getJobs(['delayed']);
        const d = job?.data as CheckJob | undefined;
        return d && d.looks >= 4 ? { looks: d.looks, since: Date.now() } : undefined;
      },
      60_000,
      'a check polling slowly',
    );
    const nextPoll = waiting.since + pollDelay(waiting.looks) - 1000;
    assert.equal((await api('POST', `statuses/${merged}`, { state: 'success', context: GATE })).status, 201);
    await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.head === PROD_HEAD), 30_000, 'the production PR');
    assert.ok(
      Date.now() < nextPoll,
      `promoted ${Date.now() - nextPoll} ms after the next poll: the event did not wake it`,
    );
    assert.ok(
      rig.gh.deliveries(GITOPS).some((d) => d.event === 'status'),
      'the emulator sent the status webhook',
    );
  });
});
