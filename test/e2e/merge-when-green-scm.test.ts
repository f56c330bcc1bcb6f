import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ZERO_SHA } from '../../src/core/push-event.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { createProviders } from '../../src/scm/providers.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { dispatchfile, eventually } from './fixtures.js';
import { bitbucketCloudScenario } from './scm/bitbucket-cloud.js';
import { bitbucketServerScenario } from './scm/bitbucket-server.js';
import { gitlabScenario } from './scm/gitlab.js';
import type { ScmScenario } from './scm/scenario.js';

const SECRET = 'e2e-merge-webhook-secret';
const CHECK = 'ci/validate';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A grant that lets staging merge, with the merge settings under test. `hooked`: the test
 * registers the GitOps repository's webhook, so where statuses arrive as webhooks the poll is slow.
 */
function config(s: ScmScenario, hooked = true): string {
  return `
hosts:
${s.hostYaml(SECRET)}
repositories:
  - host: ${s.hostName}
    repo: ${s.app}
gitops:
  - repo: "${s.hostName}:${s.gitops}"
    merge: { method: merge, requiredChecks: ["${CHECK}"] }${
      // Where the status arrives as a webhook, looking again only every 10 minutes shows that it does.
      hooked && s.gitopsHook?.sendsStatusEvents ? '\n    poll: { first: 10m, max: 10m }' : ''
    }
    allow:
      - from: "${s.hostName}:${s.app}"
        branches: [staging]
        modes: [pull-request, merge]
        paths: ["staging/**"]
dataDir: \${DATA_DIR}
`;
}

/**
 * Merge when green on the SCMs besides GitHub (test/e2e/merge-when-green.test.ts tells GitHub's
 * full story: pending, failed, newer push, timeout, squash): through each emulator, a required
 * check not reported keeps the PR open, and the check posted green on the PR's head merges it.
 * The GitOps repository's webhook is registered through the SCM's API. GitLab and Bitbucket Cloud
 * send the status as a webhook (Pipeline Hook, repo:commit_status_*) and poll only every 10
 * minutes here, so the merge within the test's bounds is the webhook's doing. Bitbucket Server
 * sends no status webhooks: there the merge job's own polling (1 s doubling) finds it.
 */
for (const [name, make] of [
  ['GitLab', gitlabScenario],
  ['Bitbucket Cloud', bitbucketCloudScenario],
  ['Bitbucket Server', bitbucketServerScenario],
] as const) {
  describe(`merge when green on ${name}`, { timeout: 180_000 }, () => {
    let s: ScmScenario;
    let stack: Stack;
    before(async () => {
      s = await make();
      stack = await startStack(config(s));
      await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
      const port = (stack.server.address() as AddressInfo).port;
      await s.gitopsHook!.add(`http://127.0.0.1:${port}/hooks/${s.hostName}`, SECRET);
    });
    after(async () => {
      stack?.server.close();
      await stack?.stop();
      await s?.close();
    });

    it('a required check missing keeps the PR open; the check posted green on its head merges it', async () => {
      const app = s.onGit?.app ?? s.app;
      const gitops = s.onGit?.gitops ?? s.gitops;
      const before = (await s.git.revParse(app, 'staging')) ?? ZERO_SHA;
      const sha = await s.git.commit(
        app,
        'staging',
        { Dispatchfile: dispatchfile(s.gitopsUrl, s.kind, ['-merge-pull-request']), VERSION: '9.0.0\n' },
        'Release 9.0.0, merged when green',
      );
      const signed = signedRequest(s.kind, s.pushBody('staging', before, sha, ['VERSION']), SECRET);
      const res = await request(stack.server)
        .post(`/hooks/${s.hostName}`)
        .set(signed.headers)
        .send(signed.rawBody.toString());
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const pr = await eventually(() => s.openPulls()[0], 60_000, 'the PR');
      await pause(2500);
      assert.equal(s.openPulls()[0]?.number, pr.number, `${CHECK} not reported: still open`);
      // The team's CI (or Argo CD) reports on the PR's head, through the SCM's own status API.
      const head = (await s.git.revParse(gitops, pr.head)) ?? '';
      const scm = createProviders(stack.config, createMirrors(stack.config.dataDir)).for(s.hostName);
      await scm.setStatus(s.gitops, head, { state: 'success', context: CHECK, description: 'manifests valid' });
      await eventually(
        async () => ((await scm.pulls!.getPullRequest(s.gitops, pr.number)).state === 'merged' ? true : undefined),
        90_000,
        'the merge',
      );
      assert.match((await s.git.readFile(gitops, 'main', 'staging/application.yaml')) ?? '', new RegExp(sha));
      const statusEvents = s.gitopsHook!.deliveries().filter((d) => /Pipeline Hook|commit_status/.test(d.event));
      if (s.gitopsHook!.sendsStatusEvents)
        assert.ok(
          statusEvents.some((d) => d.statusCode === 202),
          `the status arrived as a webhook: ${JSON.stringify(s.gitopsHook!.deliveries())}`,
        );
      else assert.deepEqual(statusEvents, [], 'Bitbucket Server sends no status event');
    });
  });
}

/**
 * GitLab's own auto-merge: once the required check has reported (so it is in the head pipeline
 * GitLab waits for), dispatchd sets auto-merge and GitLab merges when the pipeline succeeds; a
 * failed check takes it back with a comment, and a newer push asks again.
 */
describe('merge when green on GitLab, natively: merge when the pipeline succeeds', { timeout: 180_000 }, () => {
  let s: ScmScenario;
  let stack: Stack;
  let native: NonNullable<ScmScenario['nativeMerge']>;
  before(async () => {
    s = await gitlabScenario();
    // No webhook registered here: the merge job's own polling watches the hand-over.
    stack = await startStack(config(s, false));
    assert.ok(s.nativeMerge);
    native = s.nativeMerge;
  });
  after(async () => {
    await stack?.stop();
    await s?.close();
  });
  const push = async (version: string): Promise<string> => {
    const before = (await s.git.revParse(s.app, 'staging')) ?? ZERO_SHA;
    const sha = await s.git.commit(
      s.app,
      'staging',
      { Dispatchfile: dispatchfile(s.gitopsUrl, s.kind, ['-merge-pull-request']), VERSION: `${version}\n` },
      `Release ${version}`,
    );
    const signed = signedRequest(s.kind, s.pushBody('staging', before, sha, ['VERSION']), SECRET);
    const res = await request(stack.server)
      .post(`/hooks/${s.hostName}`)
      .set(signed.headers)
      .send(signed.rawBody.toString());
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return sha;
  };
  /** The open MR once its head carries `sha`'s render, and that head. */
  const mrFor = (sha: string) =>
    eventually(
      async () => {
        const pr = s.openPulls()[0];
        const head = pr && (await s.git.revParse(s.gitops, pr.head));
        const body = head && (await s.git.readFile(s.gitops, head, 'staging/application.yaml'));
        return pr && head && body?.includes(sha) ? { number: pr.number, head } : undefined;
      },
      60_000,
      `the MR carrying ${sha.slice(0, 7)}`,
    );
  const scm = () => createProviders(stack.config, createMirrors(stack.config.dataDir)).for(s.hostName);
  const handedOff = (n: number) =>
    eventually(() => native.enabled(n) || undefined, 60_000, 'auto-merge set by dispatchd');

  it('the check running: auto-merge set; the check green: GitLab merges it', async () => {
    const sha = await push('9.1.0');
    const mr = await mrFor(sha);
    await scm().setStatus(s.gitops, mr.head, { state: 'pending', context: CHECK, description: 'running' });
    await handedOff(mr.number);
    await scm().setStatus(s.gitops, mr.head, { state: 'success', context: CHECK, description: 'manifests valid' });
    assert.equal(native.mergedVia(mr.number), 'auto-merge', 'merged by GitLab when the pipeline succeeded');
    assert.match((await s.git.readFile(s.gitops, 'main', 'staging/application.yaml')) ?? '', new RegExp(sha));
  });

  it('a failed check: auto-merge cancelled, a comment names it, open; a newer push asks again and merges', async () => {
    const sha = await push('9.2.0');
    const mr = await mrFor(sha);
    await scm().setStatus(s.gitops, mr.head, { state: 'pending', context: CHECK, description: 'running' });
    await handedOff(mr.number);
    await scm().setStatus(s.gitops, mr.head, { state: 'failure', context: CHECK, description: '2 manifests invalid' });
    const comment = await eventually(
      () => native.comments(mr.number).find((c) => /not merging/.test(c)),
      60_000,
      'the comment',
    );
    assert.match(comment, new RegExp(`\`${CHECK}\` failed \\(2 manifests invalid\\)`));
    assert.equal(native.enabled(mr.number), false, 'auto-merge cancelled by dispatchd');
    assert.equal(s.openPulls()[0]?.number, mr.number, 'still open');
    const next = await push('9.2.1');
    const updated = await mrFor(next);
    assert.equal(updated.number, mr.number, 'the same MR, updated');
    await scm().setStatus(s.gitops, updated.head, { state: 'pending', context: CHECK, description: 'running' });
    await handedOff(mr.number);
    await scm().setStatus(s.gitops, updated.head, { state: 'success', context: CHECK, description: 'valid' });
    assert.equal(native.mergedVia(mr.number), 'auto-merge');
    assert.match((await s.git.readFile(s.gitops, 'main', 'staging/application.yaml')) ?? '', new RegExp(next));
  });
});
