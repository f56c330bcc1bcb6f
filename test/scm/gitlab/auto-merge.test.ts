import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import type { NativeAutoMerge, ScmProvider } from '../../../src/scm/contracts.js';
import { gitlabProvider } from '../../../src/scm/gitlab/provider.js';
import { startGitlabEmulator, type GitlabEmulator } from '../../emulators/gitlab/emulator.js';
import { pipelineStatus } from '../../emulators/gitlab/pipelines.js';
import { TIMEOUT } from '../ref-suite.js';

const TOKEN = 'glpat-auto-merge-test';
const REPO = 'acme/platform/auto';

describe('GitLab pipeline status from its statuses (the emulator’s aggregate)', () => {
  const of = (...states: string[]) => pipelineStatus(states.map((state) => ({ state })));
  it('failed wins, then running, then pending; all success is success; none is no pipeline', () => {
    assert.equal(of(), null);
    assert.equal(of('success', 'running', 'failed'), 'failed');
    assert.equal(of('success', 'pending', 'running'), 'running');
    assert.equal(of('success', 'pending'), 'pending');
    assert.equal(of('success', 'success'), 'success');
    assert.equal(of('success', 'canceled'), 'canceled');
  });
});

/**
 * The GitLab provider's auto-merge (merge when the pipeline succeeds) against the emulator,
 * whose head pipeline is the aggregate of the external statuses on the MR's head.
 */
describe('GitLab provider: auto-merge against the emulator', { timeout: 120_000 }, () => {
  let emu: GitlabEmulator;
  let scm: ScmProvider;
  let auto: NativeAutoMerge;
  let n = 0;
  const openMr = async (): Promise<{ number: number; head: string; sha: string }> => {
    const head = `feature-${++n}`;
    const sha = await emu.git.commit(REPO, head, { [`f${n}.txt`]: `${n}\n` }, `change ${n}`);
    const mr = await scm.pulls!.createPullRequest(REPO, { head, base: 'main', title: `change ${n}`, body: '' });
    return { number: mr.number, head, sha };
  };
  const record = (iid: number) => emu.mergeRequests(REPO).find((m) => m.iid === iid);
  before(async () => {
    emu = await startGitlabEmulator({ token: TOKEN });
    scm = gitlabProvider('gitlab-test', HostConfig.parse({ kind: 'gitlab', url: emu.url, token: TOKEN }));
    assert.ok(scm.pulls!.autoMerge, 'GitLab has native auto-merge');
    auto = scm.pulls!.autoMerge;
    await emu.git.createRepo(REPO, { files: { 'README.md': 'auto\n' } });
  });
  after(() => emu.close());

  it('enforces every status reported on the head: its pipeline holds them all', TIMEOUT, async () => {
    const checks = [
      { state: 'pending' as const, context: 'ci/validate', description: '' },
      { state: 'success' as const, context: 'ci/lint', description: '' },
    ];
    assert.deepEqual(await auto.enforced(REPO, 'main', checks), ['ci/validate', 'ci/lint']);
  });

  it('set while the head pipeline runs; GitLab merges when it succeeds, as the user who set it', TIMEOUT, async () => {
    const mr = await openMr();
    await scm.setStatus(REPO, mr.sha, { state: 'pending', context: 'ci/validate', description: 'running' });
    await scm.setStatus(REPO, mr.sha, { state: 'success', context: 'ci/lint', description: 'ok' });
    assert.deepEqual(await auto.enable(REPO, mr.number, { method: 'squash', sha: mr.sha }), { enabled: true });
    assert.deepEqual(record(mr.number)?.autoMerge, { user: 'dispatchd-bot', squash: true });
    assert.equal((await scm.pulls!.getPullRequest(REPO, mr.number)).state, 'open');
    await scm.setStatus(REPO, mr.sha, { state: 'success', context: 'ci/validate', description: 'ok' });
    assert.equal((await scm.pulls!.getPullRequest(REPO, mr.number)).state, 'merged');
    assert.equal(record(mr.number)?.mergedVia, 'auto-merge');
  });

  it('a failed pipeline keeps the MR open; asked again on a failed pipeline, GitLab answers 405', TIMEOUT, async () => {
    const mr = await openMr();
    await scm.setStatus(REPO, mr.sha, { state: 'pending', context: 'ci/validate', description: 'running' });
    assert.deepEqual(await auto.enable(REPO, mr.number, { method: 'merge', sha: mr.sha }), { enabled: true });
    await scm.setStatus(REPO, mr.sha, { state: 'failure', context: 'ci/validate', description: '1 failed' });
    assert.equal((await scm.pulls!.getPullRequest(REPO, mr.number)).state, 'open');
    await auto.disable(REPO, mr.number);
    assert.equal(record(mr.number)?.autoMerge ?? null, null);
    await auto.disable(REPO, mr.number);
    const again = await auto.enable(REPO, mr.number, { method: 'merge', sha: mr.sha });
    assert.equal(again.enabled, false);
    assert.match(again.enabled ? '' : again.reason, /^HTTP 405/);
  });

  it('new commits cancel auto-merge; a stale sha is refused', TIMEOUT, async () => {
    const mr = await openMr();
    await scm.setStatus(REPO, mr.sha, { state: 'pending', context: 'ci/validate', description: 'running' });
    assert.deepEqual(await auto.enable(REPO, mr.number, { method: 'merge', sha: mr.sha }), { enabled: true });
    const next = await emu.git.commit(REPO, mr.head, { 'more.txt': 'more\n' }, 'a newer push');
    await scm.setStatus(REPO, next, { state: 'success', context: 'ci/validate', description: 'ok' });
    assert.equal(
      (await scm.pulls!.getPullRequest(REPO, mr.number)).state,
      'open',
      'auto-merge was cancelled by the push',
    );
    assert.equal(record(mr.number)?.autoMerge ?? null, null);
    const stale = await auto.enable(REPO, mr.number, { method: 'merge', sha: mr.sha });
    assert.equal(stale.enabled, false);
    assert.match(stale.enabled ? '' : stale.reason, /^HTTP 409/);
  });
});
