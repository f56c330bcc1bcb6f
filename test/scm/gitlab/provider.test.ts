import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import { DispatchError, PermanentError, TransientError } from '../../../src/core/errors.js';
import type { ScmProvider } from '../../../src/scm/contracts.js';
import { gitlabProvider } from '../../../src/scm/gitlab/provider.js';
import { startGitlabEmulator, type GitlabEmulator } from '../../emulators/gitlab/emulator.js';
import { runGit } from '../../emulators/common/git/run-git.js';
import { freePort } from '../../helpers/ports.js';
import { pullRequestTests } from '../pull-request-suite.js';
import { boundedReadTests } from '../read-suite.js';
import { refTipAndCompareTests, TIMEOUT } from '../ref-suite.js';
import { commitChecksAndPullRequestTests } from '../review-suite.js';

const TOKEN = 'glpat-provider-test';
const GITOPS = 'platform/envs/gitops';

async function rejection(p: Promise<unknown>): Promise<DispatchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DispatchError) return e;
    throw e;
  }
  assert.fail('expected the call to fail');
}

describe('GitLab ScmProvider against the GitLab emulator', { timeout: 120_000 }, () => {
  let emu: GitlabEmulator;
  let scm: ScmProvider;
  const host = (extra: Record<string, unknown> = {}): HostConfig =>
    HostConfig.parse({ kind: 'gitlab', url: emu.url, token: TOKEN, ...extra });

  before(async () => {
    emu = await startGitlabEmulator({ token: TOKEN });
    scm = gitlabProvider('gitlab-test', host());
    await emu.git.createRepo(GITOPS, {
      defaultBranch: 'production',
      files: { 'apps/web/deploy.yaml.tmpl': 'image: $({ .image })\n' },
    });
  });
  after(() => emu.close());

  it('reads a file at a commit in a nested-group project; a missing file is null', async () => {
    const first = (await emu.git.revParse(GITOPS, 'production')) ?? '';
    const second = await emu.git.commit(GITOPS, 'production', { 'apps/web/deploy.yaml.tmpl': 'image: v2\n' });
    assert.equal(await scm.readFile(GITOPS, 'apps/web/deploy.yaml.tmpl', first), 'image: $({ .image })\n');
    assert.equal(await scm.readFile(GITOPS, 'apps/web/deploy.yaml.tmpl', second), 'image: v2\n');
    assert.equal(await scm.readFile(GITOPS, 'apps/web/missing.yaml', second), null);
  });

  it('treats a missing project or commit as a permanent error, not as a missing file', async () => {
    const project = await rejection(scm.readFile('platform/nope', 'Dispatchfile', 'main'));
    assert.ok(project instanceof PermanentError);
    assert.match(project.message, /404 Project Not Found.*check the repository name/);
    const commit = await rejection(scm.readFile(GITOPS, 'Dispatchfile', 'f'.repeat(40)));
    assert.ok(commit instanceof PermanentError);
    assert.match(commit.message, /Commit Not Found/);
  });

  it('lists changed paths from the merge base, both sides of a rename', async () => {
    const base = await emu.git.commit(GITOPS, 'cmp', {
      'a.yaml': 'a: 1\n',
      'old/long.yaml': 'one: 1\ntwo: 2\nthree: 3\nfour: 4\n',
    });
    const head = await emu.git.commit(GITOPS, 'cmp', {
      'a.yaml': 'a: 2\n',
      'old/long.yaml': null,
      'new/long.yaml': 'one: 1\ntwo: 2\nthree: 3\nfour: 4\n',
      'b.yaml': 'b: 1\n',
    });
    const cmp = await scm.compare(GITOPS, base, head);
    assert.deepEqual(
      { ...cmp, files: cmp.files?.sort() },
      { status: 'ahead', files: ['a.yaml', 'b.yaml', 'new/long.yaml', 'old/long.yaml'] },
    );
    assert.deepEqual(await scm.compare(GITOPS, head, head), { status: 'identical', files: [] });
  });

  refTipAndCompareTests(() => ({ scm, git: emu.git, repo: 'platform/refs/app', gitName: 'platform/refs/app' }));
  boundedReadTests(() => ({ scm, git: emu.git, repo: 'platform/refs/app', gitName: 'platform/refs/app' }));
  pullRequestTests(() => ({
    scm,
    git: emu.git,
    repo: 'platform/refs/app',
    gitName: 'platform/refs/app',
    api: {
      statuses: (repo, sha) => emu.statuses(repo, sha).map((s) => ({ ...s, context: s.name, state: s.status })),
      states: { pending: 'pending', success: 'success', failure: 'failed', error: 'failed' },
      missingRepo: 'platform/nope',
    },
  }));

  commitChecksAndPullRequestTests(() => ({ scm, git: emu.git, repo: 'platform/review/app' }));

  it(
    'costs one call per refTip, two per compare of commit ids, one more per ref name to resolve',
    TIMEOUT,
    async () => {
      const sha = (await emu.git.revParse(GITOPS, 'production')) ?? '';
      const calls = async (fn: () => Promise<unknown>): Promise<number> => {
        const before = emu.count();
        await fn();
        return emu.count() - before;
      };
      assert.equal(await calls(() => scm.refTip(GITOPS, 'refs/heads/production')), 1);
      assert.equal(await calls(() => scm.refTip(GITOPS, 'refs/tags/none')), 1);
      const mergeBases = emu.count('GET /projects/{id}/repository/merge_base');
      assert.equal(await calls(() => scm.compare(GITOPS, sha, sha)), 2);
      assert.equal(emu.count('GET /projects/{id}/repository/merge_base') - mergeBases, 1);
      assert.equal(await calls(() => scm.compare(GITOPS, 'production', sha)), 3);
    },
  );

  it('gives files: null when GitLab cuts the diff at its file limit (compare_timeout)', TIMEOUT, async () => {
    const capped = await startGitlabEmulator({ token: TOKEN, diffMaxFiles: 5 });
    try {
      await capped.git.createRepo('g/wide');
      const provider = gitlabProvider('capped', HostConfig.parse({ kind: 'gitlab', url: capped.url, token: TOKEN }));
      const base = (await capped.git.revParse('g/wide', 'main')) ?? '';
      const five = await capped.git.commit('g/wide', 'five', { '1': '1', '2': '2', '3': '3', '4': '4', '5': '5' });
      assert.equal((await provider.compare('g/wide', base, five)).files?.length, 5);
      const six = await capped.git.commit('g/wide', 'five', { '6': '6' });
      assert.deepEqual(await provider.compare('g/wide', base, six), { status: 'ahead', files: null });
    } finally {
      await capped.close();
    }
  });

  it('refTip: a missing project is a permanent error, not a missing ref; faults are passing', TIMEOUT, async () => {
    const e = await rejection(scm.refTip('platform/nope', 'refs/heads/main'));
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /Project Not Found/);
    assert.ok((await rejection(scm.refTip(GITOPS, 'production'))) instanceof PermanentError, 'a short name is refused');
    emu.setFaults((c) =>
      c.route === 'GET /projects/{id}/repository/branches/{branch}'
        ? { status: 503 }
        : c.route === 'GET /projects/{id}/repository/merge_base'
          ? { status: 429, retryAfterSec: 5 }
          : undefined,
    );
    try {
      assert.ok((await rejection(scm.refTip(GITOPS, 'refs/heads/production'))) instanceof TransientError);
      const limited = await rejection(scm.compare(GITOPS, 'production', 'production'));
      assert.ok(limited instanceof TransientError);
      assert.equal(limited.retryAfterMs, 5000);
    } finally {
      emu.setFaults(undefined);
    }
  });

  it('reads the default branch, with the host apiUrl given or derived', async () => {
    assert.equal(await scm.defaultBranch(GITOPS), 'production');
    const explicit = gitlabProvider('gl2', host({ apiUrl: `${emu.url}/api/v4` }));
    assert.equal(await explicit.defaultBranch(GITOPS), 'production');
    assert.throws(
      () => gitlabProvider('gl3', host({ apiUrl: `${emu.url}/api` })),
      (e: unknown) => e instanceof PermanentError && /must end in \/api\/v4/.test(e.message),
    );
    assert.throws(
      () => gitlabProvider('gl4', HostConfig.parse({ kind: 'gitlab', url: emu.url })),
      (e: unknown) => e instanceof PermanentError && /no token/.test(e.message),
    );
  });

  // Finding, opening, refusing a second, updating: test/scm/pull-request-suite.ts.
  it('links a merge request under /-/merge_requests/, comments on it (a note) and merges it', async () => {
    const head = 'dispatchd/acme/app/apps/web';
    await emu.git.commit(GITOPS, head, { 'apps/web/deploy.yaml': 'image: web@sha256:1\n' }, 'dispatchd: web');
    const pr = await scm.pulls!.createPullRequest(GITOPS, { head, base: 'production', title: 'Deploy web', body: '' });
    assert.equal(pr.url, `${emu.url}/${GITOPS}/-/merge_requests/${pr.number}`);
    await scm.pulls!.comment(GITOPS, pr.number, 'a newer push superseded this one');
    assert.deepEqual(
      emu.notes(GITOPS, pr.number).map((n) => n.body),
      ['a newer push superseded this one'],
    );

    await scm.pulls!.mergePullRequest(GITOPS, pr.number);
    assert.equal(await emu.git.readFile(GITOPS, 'production', 'apps/web/deploy.yaml'), 'image: web@sha256:1\n');
    assert.equal(emu.mergeRequests(GITOPS).find((m) => m.iid === pr.number)?.state, 'merged');
    assert.equal(await scm.pulls!.findPullRequest(GITOPS, head, 'production'), null);
    const again = await rejection(scm.pulls!.mergePullRequest(GITOPS, pr.number));
    assert.ok(again instanceof PermanentError);
    assert.match(again.message, /no longer open/);
  });

  it('surfaces a duplicate (409) as a PermanentError saying "already exists", also when two workers race', async () => {
    const head = 'dispatchd/acme/app/apps/race';
    await emu.git.commit(GITOPS, head, { 'apps/race/x.yaml': 'x: 1\n' });
    const results = await Promise.allSettled(
      [1, 2].map((n) =>
        scm.pulls!.createPullRequest(GITOPS, { head, base: 'production', title: `Race ${n}`, body: '' }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0]?.reason instanceof PermanentError);
    assert.match(String((lost[0]?.reason as Error).message), /already exists/);
    assert.equal(emu.mergeRequests(GITOPS).filter((m) => m.sourceBranch === head && m.state === 'opened').length, 1);
  });

  it("explains a refused merge with GitLab's merge status (conflict)", async () => {
    const head = 'dispatchd/acme/app/apps/clash';
    await emu.git.commit(GITOPS, head, { 'apps/clash.yaml': 'ours: no\n' });
    await emu.git.commit(GITOPS, 'production', { 'apps/clash.yaml': 'theirs: yes\n' });
    const pr = await scm.pulls!.createPullRequest(GITOPS, { head, base: 'production', title: 'Clash', body: '' });
    const e = await rejection(scm.pulls!.mergePullRequest(GITOPS, pr.number));
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /Branch cannot be merged.*conflicts with the target/);
  });

  it('retries a merge while GitLab is still checking mergeability, then merges', async () => {
    const slow = await startGitlabEmulator({ token: TOKEN, mergeCheckMs: 400 });
    try {
      await slow.git.createRepo('g/s/p');
      await slow.git.commit('g/s/p', 'dispatchd/x', { 'x.yaml': 'x: 1\n' });
      const provider = gitlabProvider('slow', HostConfig.parse({ kind: 'gitlab', url: slow.url, token: TOKEN }));
      const pr = await provider.pulls!.createPullRequest('g/s/p', {
        head: 'dispatchd/x',
        base: 'main',
        title: 'x',
        body: '',
      });
      const e = await rejection(provider.pulls!.mergePullRequest('g/s/p', pr.number));
      assert.ok(e instanceof TransientError);
      assert.match(e.message, /still checking mergeability \(checking\)/);
      assert.ok((e.retryAfterMs ?? 0) > 0);
      await new Promise((r) => setTimeout(r, 450));
      await provider.pulls!.mergePullRequest('g/s/p', pr.number);
      assert.equal(await slow.git.readFile('g/s/p', 'main', 'x.yaml'), 'x: 1\n');
    } finally {
      await slow.close();
    }
  });

  it('sets commit statuses, mapping failure and error to failed; the same state twice is not an error', async () => {
    const sha = (await emu.git.revParse(GITOPS, 'production')) ?? '';
    await scm.setStatus(GITOPS, sha, {
      state: 'pending',
      context: 'dispatchd/deploy',
      description: 'queued',
      targetUrl: 'http://127.0.0.1/jobs/1',
    });
    await scm.setStatus(GITOPS, sha, {
      state: 'pending',
      context: 'dispatchd/deploy',
      description: 'queued again (retried job)',
    });
    await scm.setStatus(GITOPS, sha, { state: 'failure', context: 'dispatchd/deploy', description: 'x'.repeat(400) });
    await scm.setStatus(GITOPS, sha, { state: 'error', context: 'dispatchd/image', description: 'registry down' });
    await scm.setStatus(GITOPS, sha, { state: 'success', context: 'dispatchd/lint', description: 'left to your CI' });
    const got = emu.statuses(GITOPS, sha);
    assert.deepEqual(
      got.map((s) => `${s.name}=${s.status}`),
      ['dispatchd/deploy=pending', 'dispatchd/deploy=failed', 'dispatchd/image=failed', 'dispatchd/lint=success'],
    );
    assert.equal(got[0]?.targetUrl, 'http://127.0.0.1/jobs/1');
    assert.equal(got[1]?.description?.length, 255);
    const bad = await rejection(
      scm.setStatus(GITOPS, '0'.repeat(40), { state: 'success', context: 'x', description: '' }),
    );
    assert.ok(bad instanceof PermanentError);
  });

  it('gives git a secret-free URL and a Basic oauth2 header that clones; commit URLs use /-/commit/', async () => {
    const remote = await scm.gitRemote(GITOPS);
    assert.equal(remote.url, `${emu.url}/${GITOPS}.git`);
    assert.ok(!remote.url.includes(TOKEN));
    const work = await mkdtemp(join(tmpdir(), 'gitlab-remote-'));
    try {
      const headers = Object.entries(remote.headers).flatMap(([k, v]) => ['-c', `http.extraHeader=${k}: ${v}`]);
      await runGit([...headers, 'clone', '--quiet', '--branch', 'production', remote.url, join(work, 'c')]);
      assert.equal(await readFile(join(work, 'c', 'apps/web/deploy.yaml.tmpl'), 'utf8'), 'image: v2\n');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    assert.equal(scm.commitUrl(GITOPS, 'abc123'), `${emu.url}/${GITOPS}/-/commit/abc123`);
  });

  it('maps 429 Retry-After, 502 and 503 to TransientError after exactly one request each', async () => {
    const route = 'GET /projects/{id}';
    const faults = [{ status: 429, retryAfterSec: 3 }, { status: 502 }, { status: 503, retryAfterSec: 2 }];
    for (const fault of faults) {
      const before = emu.count(route);
      emu.setFaults((c) => (c.route === route ? fault : undefined));
      const e = await rejection(scm.defaultBranch(GITOPS));
      emu.setFaults(undefined);
      assert.ok(e instanceof TransientError, `${fault.status} is transient`);
      assert.equal(emu.count(route) - before, 1, `no hidden retries for ${fault.status}`);
      if (fault.retryAfterSec !== undefined) assert.equal(e.retryAfterMs, fault.retryAfterSec * 1000);
    }
    emu.setFaults((c) => (c.route === route ? { status: 429, rateLimitReset: true, retryAfterSec: 30 } : undefined));
    const limited = await rejection(scm.defaultBranch(GITOPS));
    emu.setFaults(undefined);
    assert.ok(limited instanceof TransientError);
    assert.ok((limited.retryAfterMs ?? 0) >= 29_000 && (limited.retryAfterMs ?? 0) <= 31_000);
    assert.equal(await scm.defaultBranch(GITOPS), 'production', 'works again once the fault clears');
  });

  it('maps a bad token (401) to a PermanentError saying to replace it, and no answer to a TransientError', async () => {
    const wrong = gitlabProvider('gitlab-test', host({ token: 'revoked' }));
    const e = await rejection(wrong.pulls!.findPullRequest(GITOPS, 'x', 'production'));
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /HTTP 401.*token is invalid or expired/);
    const port = await freePort();
    const down = gitlabProvider(
      'gitlab-down',
      HostConfig.parse({ kind: 'gitlab', url: `http://127.0.0.1:${port}`, token: TOKEN }),
    );
    const n = await rejection(down.defaultBranch(GITOPS));
    assert.ok(n instanceof TransientError);
  });
});
