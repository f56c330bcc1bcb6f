import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiCall } from '../emulators/common/call-log.js';
import { deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';

describe('the GitOps mirror is fetched while the plan reads the SCM', { timeout: 120_000 }, () => {
  let rig: Rig;
  // API answers and git ref advertisements, in the order the emulator saw them.
  const seen: string[] = [];

  before(async () => {
    rig = await startRig({
      gitopsFiles: { 'staging/application.yaml.tmpl': deployment('staging') },
      tasks: [
        {
          name: 'deploy-staging',
          branches: ['staging'],
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
        },
      ],
    });
    const push = rig.gh.calls.push.bind(rig.gh.calls);
    rig.gh.calls.push = (...calls: ApiCall[]) => {
      for (const c of calls) seen.push(`api ${c.route}`);
      return push(...calls);
    };
    const handle = rig.gh.git.handle.bind(rig.gh.git);
    rig.gh.git.handle = (req, res) => {
      if (req.method === 'GET' && req.url?.includes('service=git-upload-pack')) seen.push('git fetch');
      return handle(req, res);
    };
  });
  after(async () => rig?.close());

  it("starts before the Dispatchfile's answer, and the update's checkout takes that fetch instead of its own", async () => {
    await rig.push('staging', '1');
    await rig.stack.idle();
    // A remote SCM: each API answer takes 400 ms, long enough to tell the orders apart.
    rig.gh.setLatency(400);
    seen.length = 0;
    const fetches = rig.gh.git.fetches;
    const { sha, status } = await rig.push('staging', '2');
    assert.equal(status, 202);
    await rig.stack.idle();
    rig.gh.setLatency(0);
    assert.equal(lastStatus(rig.gh, sha, 'dispatchd/deploy-staging')?.state, 'success');
    assert.match(
      (await rig.gh.git.readFile(GITOPS, `dispatchd/github/acme/hello-world/staging`, 'staging/application.yaml')) ??
        '',
      new RegExp(sha),
    );
    assert.equal(rig.gh.git.fetches - fetches, 1, `one fetch for the update: ${seen.join(', ')}`);
    assert.ok(
      seen.indexOf('git fetch') < seen.indexOf(`api ${CONTENTS}`),
      `the fetch began before the Dispatchfile was read: ${seen.join(', ')}`,
    );
  });
});
