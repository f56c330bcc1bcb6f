import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, deployment, GITOPS, lastStatus, startRig, TOKEN, type Rig } from '../gitops/rig.js';
import { eventually } from './fixtures.js';

const HEAD = `dispatchd/github/${APP}/staging`;
const gitopsFiles = { 'README.md': '# gitops\n', 'staging/application.yaml.tmpl': deployment('staging') };
// deploy takes `test` as an input: a task dispatchd leaves to the team's CI.
const tasks = [
  {
    name: 'deploy',
    branches: ['staging'],
    needs: ['test'],
    args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
  },
];

/** The team's CI reporting on the source commit. */
async function ciStatus(rig: Rig, sha: string, state: string, description = state): Promise<void> {
  const res = await fetch(`${rig.gh.apiUrl}/repos/${APP}/statuses/${sha}`, {
    method: 'POST',
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ state, context: 'test', description }),
  });
  assert.equal(res.status, 201);
}

const rendered = (rig: Rig) => rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  'honest gates on CI: a GitOps task waits for the status of the CI task it depends on',
  { timeout: 180_000 },
  () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig({ gitopsFiles, tasks, ciTasks: ['test'] });
    });
    after(async () => rig?.close());

    it('nothing is rendered while "test" is missing or pending; its success lets the update through', async () => {
      const { sha } = await rig.push('staging', '5.0.0');
      await pause(3000);
      assert.equal(await rendered(rig), null, 'no status from CI yet: nothing written');
      await ciStatus(rig, sha, 'pending');
      await pause(2500);
      assert.equal(await rendered(rig), null, 'pending: nothing written');
      assert.equal(
        rig.gh.statuses(APP, sha).filter((s) => s.context === 'dispatchd/test').length,
        0,
        'no status claims the test ran',
      );
      await ciStatus(rig, sha, 'success', '120 passed');
      await eventually(async () => ((await rendered(rig))?.includes(sha) ? true : undefined), 60_000, 'the render');
      await eventually(
        () => (lastStatus(rig.gh, sha)?.state === 'success' ? true : undefined),
        30_000,
        'deploy status',
      );
    });

    it('a failed "test" fails the update for good, saying which task failed, and writes nothing', async () => {
      const before = await rendered(rig);
      const { sha } = await rig.push('staging', '5.1.0');
      await ciStatus(rig, sha, 'failure', '2 tests failed');
      const status = await eventually(
        () => (lastStatus(rig.gh, sha)?.state === 'failure' ? lastStatus(rig.gh, sha) : undefined),
        60_000,
        'the failure status',
      );
      assert.match(
        status.description ?? '',
        /your CI failed on [0-9a-f]{7}: "test" \(task test\) is failure: 2 tests failed/,
      );
      assert.equal(await rendered(rig), before, 'nothing written');
    });
  },
);

describe('honest gates on CI: ciWait spent', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ gitopsFiles, tasks, ciTasks: ['test'], extraConfig: 'ciWait: 3s\n' });
  });
  after(async () => rig?.close());

  it('fails saying what it waited for and how long', async () => {
    const { sha } = await rig.push('staging', '6.0.0');
    const status = await eventually(
      () => (lastStatus(rig.gh, sha)?.state === 'failure' ? lastStatus(rig.gh, sha) : undefined),
      60_000,
      'the failure status',
    );
    assert.match(
      status.description ?? '',
      /waited \d+ s \(ciWait\) for your CI: no successful status "test" \(task test\)/,
    );
    assert.equal(await rendered(rig), null);
  });
});
