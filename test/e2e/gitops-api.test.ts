import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const PULLS = 'POST /repos/{owner}/{repo}/pulls';
const PR_ROUTES = [
  'GET /repos/{owner}/{repo}/pulls',
  PULLS,
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
];
const FILES = 12;

describe('SCM API cost and failures of a GitOps update', () => {
  let rig: Rig;
  const prCalls = () => PR_ROUTES.reduce((n, r) => n + rig.gh.count(r), 0);

  before(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) files[`many/app-${i}.yaml.tmpl`] = deployment(`many-${i}`);
    files['limited/application.yaml.tmpl'] = deployment('limited');
    rig = await startRig({
      gitopsFiles: files,
      tasks: [
        {
          name: 'deploy',
          branches: ['many', 'limited'],
          args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=$(context.build.name)/**'],
        },
      ],
    });
  });
  after(async () => rig?.close());

  it(`at most 3 PR calls per update, whatever the number of files (${FILES} here)`, async () => {
    let before = prCalls();
    await rig.push('many', '1');
    await rig.stack.idle();
    assert.ok(prCalls() - before <= 3 && prCalls() - before >= 2, `first update: ${prCalls() - before} PR calls`);
    before = prCalls();
    await rig.push('many', '2');
    await rig.stack.idle();
    assert.equal(prCalls() - before, 2, 'second update: find + update');
    const pr = rig.gh.pulls(GITOPS).find((p) => p.head.endsWith('/many'))!;
    assert.match(pr.body ?? '', new RegExp(`Files changed\\*\\* \\(${FILES},`));
  });

  it('422 "already exists" (another worker won the race) → find it and update it', async () => {
    // The find answers an empty page once, as if the other worker had not created it yet.
    let raced = 0;
    rig.gh.setFaults((c) =>
      c.route === 'GET /repos/{owner}/{repo}/pulls' && raced++ === 0 ? { status: 200 } : undefined,
    );
    const { sha } = await rig.push('many', '3');
    await rig.stack.idle();
    rig.gh.setFaults(undefined);
    const conflicts = rig.gh.calls.filter((c) => c.route === PULLS && c.status === 422);
    assert.equal(conflicts.length, 1, 'the create met the existing PR');
    const open = rig.gh.pulls(GITOPS).filter((p) => p.state === 'open' && p.head.endsWith('/many'));
    assert.equal(open.length, 1);
    assert.match(open[0]!.body ?? '', new RegExp(sha.slice(0, 7)));
    assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
  });

  for (const fault of [
    { status: 429, retryAfterSec: 2 },
    { status: 403, retryAfterSec: 2, rateLimitReset: true },
  ]) {
    it(`${fault.status}${fault.rateLimitReset ? ' with an exhausted rate limit' : ' with Retry-After'} is waited out, then the PR is opened (one git push)`, async () => {
      const times: number[] = [];
      let failed = false;
      rig.gh.setFaults((c) => {
        if (c.route !== PULLS) return undefined;
        times.push(Date.now());
        if (failed) return undefined;
        failed = true;
        return fault;
      });
      await rig.gh.git.deleteBranch(GITOPS, `dispatchd/github/${APP}/limited`).catch(() => undefined);
      for (const p of rig.gh.pulls(GITOPS)) if (p.head.endsWith('/limited')) p.state = 'closed';
      const pushesBefore = rig.gh.git.pushes;
      const { sha } = await rig.push('limited', `${fault.status}`);
      await rig.stack.idle(20_000);
      rig.gh.setFaults(undefined);
      assert.equal(times.length, 2, 'create refused once, then accepted');
      assert.ok(times[1]! - times[0]! >= 2000, `waited ${times[1]! - times[0]!} ms; the SCM asked for 2 s`);
      assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
      assert.equal(rig.gh.git.pushes - pushesBefore, 1, 'the retry found the branch already pushed');
      assert.ok(rig.gh.pulls(GITOPS).some((p) => p.state === 'open' && p.head.endsWith('/limited')));
    });
  }
});
