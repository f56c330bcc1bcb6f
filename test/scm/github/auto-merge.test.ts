import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import type { NativeAutoMerge, ScmProvider } from '../../../src/scm/contracts.js';
import { githubProvider } from '../../../src/scm/github/provider.js';
import { startGithubEmulator, type GithubEmulator } from '../../emulators/github/emulator.js';
import { TIMEOUT } from '../ref-suite.js';

const TOKEN = 'ghp_auto_merge_test';
const REPO = 'acme/auto';
const GRAPHQL = 'POST /api/graphql';

/**
 * The GitHub provider's native auto-merge (GraphQL enablePullRequestAutoMerge) against the
 * emulator, which merges the PR itself once the base's required checks pass, as GitHub does.
 */
describe('GitHub provider: native auto-merge against the emulator', { timeout: 120_000 }, () => {
  let emu: GithubEmulator;
  let scm: ScmProvider;
  let auto: NativeAutoMerge;
  let n = 0;
  /** A fresh branch with one commit and its PR into main. */
  const openPr = async (): Promise<{ number: number; head: string; sha: string }> => {
    const head = `feature-${++n}`;
    const sha = await emu.git.commit(REPO, head, { [`f${n}.txt`]: `${n}\n` }, `change ${n}`);
    const pr = await scm.pulls!.createPullRequest(REPO, { head, base: 'main', title: `change ${n}`, body: '' });
    return { number: pr.number, head, sha };
  };
  const record = (number: number) => emu.pulls(REPO).find((p) => p.number === number);
  before(async () => {
    emu = await startGithubEmulator({ token: TOKEN });
    scm = githubProvider('gh', HostConfig.parse({ kind: 'github', url: emu.url, apiUrl: emu.apiUrl, token: TOKEN }));
    assert.ok(scm.pulls!.autoMerge, 'GitHub has native auto-merge');
    auto = scm.pulls!.autoMerge;
    await emu.git.createRepo(REPO, { files: { 'README.md': 'auto\n' } });
  });
  after(() => emu.close());

  it(
    'a repository that does not allow auto-merge: refused without a GraphQL call, so dispatchd merges',
    TIMEOUT,
    async () => {
      const pr = await openPr();
      const before = emu.count(GRAPHQL);
      const answer = await auto.enable(REPO, pr.number, { method: 'merge', sha: pr.sha });
      assert.deepEqual(answer, {
        enabled: false,
        reason: 'auto-merge is off for the repository (Settings → General → Allow auto-merge)',
      });
      assert.equal(emu.count(GRAPHQL), before);
      assert.equal(record(pr.number)?.autoMerge ?? null, null);
    },
  );

  it(
    'enabled while a required check is missing; GitHub merges when it passes, as the user who enabled it',
    TIMEOUT,
    async () => {
      emu.allowAutoMerge(REPO, true);
      emu.protectBranch(REPO, 'main', ['ci/validate']);
      const pr = await openPr();
      assert.deepEqual(await auto.enforced(REPO, 'main', []), ['ci/validate']);
      assert.deepEqual(await auto.enable(REPO, pr.number, { method: 'squash', sha: pr.sha }), { enabled: true });
      assert.equal(record(pr.number)?.autoMerge?.method, 'squash');
      await scm.setStatus(REPO, pr.sha, { state: 'failure', context: 'ci/lint', description: 'not required' });
      assert.equal(
        (await scm.pulls!.getPullRequest(REPO, pr.number)).state,
        'open',
        'the required check has not passed',
      );
      await scm.setStatus(REPO, pr.sha, { state: 'success', context: 'ci/validate', description: 'ok' });
      assert.equal((await scm.pulls!.getPullRequest(REPO, pr.number)).state, 'merged');
      assert.equal(record(pr.number)?.mergedVia, 'auto-merge');
      assert.equal(record(pr.number)?.mergedBy, 'dispatchd-bot');
    },
  );

  it('a push to the head keeps auto-merge on; the new head merges when its check passes', TIMEOUT, async () => {
    const pr = await openPr();
    assert.deepEqual(await auto.enable(REPO, pr.number, { method: 'merge', sha: pr.sha }), { enabled: true });
    const next = await emu.git.commit(REPO, pr.head, { 'more.txt': 'more\n' }, 'a newer push');
    await scm.setStatus(REPO, pr.sha, { state: 'success', context: 'ci/validate', description: 'old head' });
    assert.equal(
      (await scm.pulls!.getPullRequest(REPO, pr.number)).state,
      'open',
      'a check on the old head merges nothing',
    );
    await scm.setStatus(REPO, next, { state: 'success', context: 'ci/validate', description: 'new head' });
    assert.equal((await scm.pulls!.getPullRequest(REPO, pr.number)).state, 'merged');
    assert.match((await emu.git.readFile(REPO, 'main', 'more.txt')) ?? '', /more/);
  });

  it('disable takes the request back: the check passing then merges nothing', TIMEOUT, async () => {
    const pr = await openPr();
    assert.deepEqual(await auto.enable(REPO, pr.number, { method: 'merge', sha: pr.sha }), { enabled: true });
    await auto.disable(REPO, pr.number);
    await auto.disable(REPO, pr.number);
    await scm.setStatus(REPO, pr.sha, { state: 'success', context: 'ci/validate', description: 'ok' });
    assert.equal((await scm.pulls!.getPullRequest(REPO, pr.number)).state, 'open');
  });

  it('refusals are answers: an already mergeable PR ("clean status"), a stale expectedHeadOid', TIMEOUT, async () => {
    const pr = await openPr();
    const stale = await auto.enable(REPO, pr.number, { method: 'merge', sha: '0'.repeat(40) });
    assert.equal(stale.enabled, false);
    await scm.setStatus(REPO, pr.sha, { state: 'success', context: 'ci/validate', description: 'ok' });
    const clean = await auto.enable(REPO, pr.number, { method: 'merge', sha: pr.sha });
    assert.deepEqual(clean, { enabled: false, reason: 'Pull request Pull request is in clean status' });
    await scm.pulls!.mergePullRequest(REPO, pr.number, { method: 'merge', sha: pr.sha });
    assert.equal(record(pr.number)?.mergedVia, 'api');
  });

  it('a base branch without protection rules refuses auto-merge', TIMEOUT, async () => {
    await emu.git.commit(REPO, 'release', { 'r.txt': 'r\n' }, 'release base');
    const head = 'to-release';
    const sha = await emu.git.commit(REPO, head, { 'x.txt': 'x\n' }, 'for release');
    const pr = await scm.pulls!.createPullRequest(REPO, { head, base: 'release', title: 'to release', body: '' });
    assert.deepEqual(await auto.enforced(REPO, 'release', []), []);
    assert.deepEqual(await auto.enable(REPO, pr.number, { method: 'merge', sha }), {
      enabled: false,
      reason: 'Pull request Protected branch rules not configured for this branch',
    });
  });
});
