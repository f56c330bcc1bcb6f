import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HostConfig } from '../../../src/config/schema.js';
import { PermanentError, TransientError } from '../../../src/core/errors.js';
import { bitbucketCloudProvider } from '../../../src/scm/bitbucket-cloud/provider.js';
import type { ScmProvider } from '../../../src/scm/contracts.js';
import { startBitbucketCloudEmulator, type BitbucketCloudEmulator } from '../../emulators/bitbucket-cloud/emulator.js';
import { runGit } from '../../emulators/common/git/run-git.js';
import { pullRequestTests } from '../pull-request-suite.js';
import { boundedReadTests } from '../read-suite.js';
import { refTipAndCompareTests, TIMEOUT } from '../ref-suite.js';
import { commitChecksAndPullRequestTests } from '../review-suite.js';

const TOKEN = 'bb-access-token';
const PR_CREATE = 'POST /repositories/{workspace}/{repo_slug}/pullrequests';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return assert.fail('expected the call to fail');
}

describe('Bitbucket Cloud provider against the emulator', { timeout: 120_000 }, () => {
  let emu: BitbucketCloudEmulator;
  let scm: ScmProvider;
  const host = (over: Partial<HostConfig> = {}): HostConfig => ({
    kind: 'bitbucket-cloud',
    url: emu.url,
    apiUrl: emu.apiUrl,
    token: TOKEN,
    ...over,
  });

  before(async () => {
    emu = await startBitbucketCloudEmulator({ token: TOKEN, username: 'jdoe', appPassword: 'app-pass' });
    scm = bitbucketCloudProvider('bb', host());
    await emu.git.createRepo('acme/app', {
      files: {
        Dispatchfile: '#!yaml\nactions: []\n',
        'deploy/values.json': '{ "replicas":  2 }\n',
        'deploy/app.yaml.tmpl': 'image: {{image}}\n',
      },
    });
    await emu.git.createRepo('acme/gitops', {
      defaultBranch: 'trunk',
      files: { 'envs/staging/app.yaml': 'image: a\n', 'old.txt': 'x\n', 'keep.txt': 'k\n' },
    });
  });
  after(() => emu.close());

  it('reads a file at a commit byte for byte, JSON included, and gives null for a missing file or a directory', async () => {
    const sha = (await emu.git.revParse('acme/app', 'main')) ?? '';
    assert.equal(await scm.readFile('acme/app', 'Dispatchfile', sha), '#!yaml\nactions: []\n');
    // Served as application/json: must not come back re-serialised.
    assert.equal(await scm.readFile('acme/app', 'deploy/values.json', sha), '{ "replicas":  2 }\n');
    assert.equal(await scm.readFile('acme/app', 'nope.txt', sha), null);
    assert.equal(await scm.readFile('acme/app', 'deploy', sha), null);
    const later = await emu.git.commit('acme/app', 'main', { Dispatchfile: '#!yaml\nactions: [x]\n' });
    assert.equal(await scm.readFile('acme/app', 'Dispatchfile', sha), '#!yaml\nactions: []\n');
    assert.equal(await scm.readFile('acme/app', 'Dispatchfile', later), '#!yaml\nactions: [x]\n');
  });

  it('refuses a missing repository instead of calling the file absent', async () => {
    const e = await rejection(scm.readFile('acme/missing', 'Dispatchfile', 'main'));
    assert.ok(e instanceof PermanentError, String(e));
    assert.match(e.message, /404/);
  });

  it('compares two commits from their merge base, with added, changed, removed and renamed paths', async () => {
    const base = (await emu.git.revParse('acme/gitops', 'trunk')) ?? '';
    const head = await emu.git.commit('acme/gitops', 'topic', {
      'envs/staging/app.yaml': 'image: b\n',
      'old.txt': null,
      'envs/prod/app.yaml': 'image: p\n',
    });
    // A later commit on the base must not show up: the diff starts at the merge base.
    await emu.git.commit('acme/gitops', 'trunk', { 'keep.txt': 'changed\n' });
    const cmp = await scm.compare('acme/gitops', 'trunk', head);
    assert.deepEqual(
      { ...cmp, files: cmp.files?.sort() },
      { status: 'diverged', files: ['envs/prod/app.yaml', 'envs/staging/app.yaml', 'old.txt'] },
    );
    assert.deepEqual(await scm.compare('acme/gitops', base, base), { status: 'identical', files: [] });
  });

  it('follows diffstat pages', async () => {
    await emu.git.createRepo('acme/many', { files: { 'a.txt': 'a\n' } });
    const files: Record<string, string> = {};
    for (let i = 0; i < 520; i++) files[`f/${String(i).padStart(3, '0')}.txt`] = `${i}\n`;
    const head = await emu.git.commit('acme/many', 'big', files);
    const before = emu.count('GET /repositories/{workspace}/{repo_slug}/diffstat/{spec}');
    const cmp = await scm.compare('acme/many', 'main', head);
    assert.equal(cmp.status, 'ahead');
    assert.equal(cmp.files?.length, 520);
    assert.equal(emu.count('GET /repositories/{workspace}/{repo_slug}/diffstat/{spec}') - before, 2);
  });

  refTipAndCompareTests(() => ({ scm, git: emu.git, repo: 'acme/refs', gitName: 'acme/refs' }));
  boundedReadTests(() => ({ scm, git: emu.git, repo: 'acme/refs', gitName: 'acme/refs' }));
  pullRequestTests(() => ({
    scm,
    git: emu.git,
    repo: 'acme/refs',
    gitName: 'acme/refs',
    api: {
      statuses: (repo, sha) =>
        emu.statuses(repo, sha).map((s) => ({ context: s.key, state: s.state, targetUrl: s.url })),
      states: { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED' },
      missingRepo: 'acme/missing',
    },
  }));

  commitChecksAndPullRequestTests(() => ({ scm, git: emu.git, repo: 'acme/review' }));

  it(
    'costs one call per branch refTip, two per compare of commit ids, one more to resolve a branch name',
    TIMEOUT,
    async () => {
      const sha = (await emu.git.revParse('acme/app', 'main')) ?? '';
      const calls = async (fn: () => Promise<unknown>): Promise<number> => {
        const before = emu.count();
        await fn();
        return emu.count() - before;
      };
      assert.equal(await calls(() => scm.refTip('acme/app', 'refs/heads/main')), 1);
      assert.equal(await calls(() => scm.refTip('acme/app', 'refs/tags/none')), 1);
      const mergeBases = emu.count('GET /repositories/{workspace}/{repo_slug}/merge-base/{revspec}');
      assert.equal(await calls(() => scm.compare('acme/app', sha, sha)), 2);
      assert.equal(emu.count('GET /repositories/{workspace}/{repo_slug}/merge-base/{revspec}') - mergeBases, 1);
      assert.equal(await calls(() => scm.compare('acme/app', 'main', sha)), 3);
      const unknown = await rejection(scm.compare('acme/app', 'no-such-branch', sha));
      assert.ok(unknown instanceof PermanentError, String(unknown));
      assert.match(unknown.message, /no branch, tag or commit "no-such-branch"/);
    },
  );

  it(
    "compare resolves the abbreviated commit ids of Bitbucket's webhooks to full ones (branch and tag names first)",
    TIMEOUT,
    async () => {
      const older = (await emu.git.revParse('acme/app', 'main')) ?? '';
      const tip = await emu.git.commit('acme/app', 'abbrev', { 'abbrev.txt': 'x\n' }, 'abbrev');
      const ahead = await scm.compare('acme/app', older.slice(0, 12), tip);
      assert.equal(ahead.status, 'ahead', 'the 12-character id is the full one, an ancestor of the tip');
      assert.deepEqual(ahead.files, ['abbrev.txt']);
      assert.equal((await scm.compare('acme/app', tip.slice(0, 12), tip)).status, 'identical');
      const unknown = await rejection(scm.compare('acme/app', 'deadbeef0000', tip));
      assert.ok(unknown instanceof PermanentError, String(unknown));
      assert.match(unknown.message, /no branch, tag or commit "deadbeef0000"/);
    },
  );

  it('refTip: a missing repository is a permanent error, not a missing ref; faults are passing', TIMEOUT, async () => {
    const e = await rejection(scm.refTip('acme/missing', 'refs/heads/main'));
    assert.ok(e instanceof PermanentError, String(e));
    assert.ok((await rejection(scm.refTip('acme/app', 'main'))) instanceof PermanentError, 'a short name is refused');
    emu.setFaults((c) =>
      c.route.includes('/refs/')
        ? { status: 502 }
        : c.route.includes('/merge-base/')
          ? { status: 429, retryAfterSec: 6 }
          : undefined,
    );
    try {
      assert.ok((await rejection(scm.refTip('acme/app', 'refs/tags/v1'))) instanceof TransientError);
      const sha = (await emu.git.revParse('acme/app', 'main')) ?? '';
      const limited = await rejection(scm.compare('acme/app', sha, sha));
      assert.ok(limited instanceof TransientError, String(limited));
      assert.equal(limited.retryAfterMs, 6000);
    } finally {
      emu.setFaults(undefined);
    }
  });

  it('reports the main branch', async () => {
    assert.equal(await scm.defaultBranch('acme/gitops'), 'trunk');
    assert.equal(await scm.defaultBranch('acme/app'), 'main');
  });

  // Finding, opening, refusing a second, updating: test/scm/pull-request-suite.ts.
  it('links a pull request under /pull-requests/, comments on it and merges it into the base', async () => {
    const head = 'dispatchd/acme/app/envs/staging';
    await emu.git.commit('acme/gitops', head, { 'envs/staging/app.yaml': 'image: c\n' });
    const pr = await scm.pulls!.createPullRequest('acme/gitops', { head, base: 'trunk', title: 'Deploy c', body: '' });
    assert.equal(pr.url, `${emu.url}/acme/gitops/pull-requests/${pr.number}`);
    await scm.pulls!.comment('acme/gitops', pr.number, 'commits here were not made by dispatchd');
    assert.deepEqual(
      emu.comments('acme/gitops', pr.number).map((c) => c.raw),
      ['commits here were not made by dispatchd'],
    );

    await scm.pulls!.mergePullRequest('acme/gitops', pr.number);
    assert.equal(emu.pulls('acme/gitops').find((p) => p.id === pr.number)?.state, 'MERGED');
    assert.equal(await emu.git.readFile('acme/gitops', 'trunk', 'envs/staging/app.yaml'), 'image: c\n');
    assert.equal(await scm.pulls!.findPullRequest('acme/gitops', head, 'trunk'), null);
    const again = await rejection(scm.pulls!.mergePullRequest('acme/gitops', pr.number));
    assert.ok(again instanceof PermanentError);
  });

  it('sets build statuses keyed by context, overwriting the same key, with a URL always present', async () => {
    const sha = (await emu.git.revParse('acme/app', 'main')) ?? '';
    await scm.setStatus('acme/app', sha, { state: 'pending', context: 'dispatchd/deploy', description: 'rendering' });
    await scm.setStatus('acme/app', sha, {
      state: 'success',
      context: 'dispatchd/deploy',
      description: 'PR opened',
      targetUrl: 'https://example.test/pr/1',
    });
    await scm.setStatus('acme/app', sha, { state: 'error', context: 'dispatchd/test', description: 'x'.repeat(400) });
    const list = emu.statuses('acme/app', sha);
    assert.deepEqual(
      list.map((s) => [s.key, s.state, s.url]),
      [
        ['dispatchd/deploy', 'SUCCESSFUL', 'https://example.test/pr/1'],
        ['dispatchd/test', 'FAILED', `${emu.url}/acme/app`],
      ],
    );
    assert.equal(list[1]?.description?.length, 255);
  });

  it('gives git a remote that clones and pushes with the token, and with an app password', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bbc-remote-'));
    try {
      for (const [name, h] of [
        ['token', host()],
        ['app', host({ token: undefined, username: 'jdoe', password: 'app-pass' })],
      ] as const) {
        const remote = await bitbucketCloudProvider('bb', h).gitRemote('acme/app');
        assert.equal(remote.url, `${emu.url}/acme/app.git`);
        assert.doesNotMatch(remote.url, /@/);
        const header = `Authorization: ${remote.headers.Authorization ?? ''}`;
        const dir = join(work, name);
        await runGit(['-c', `http.extraHeader=${header}`, 'clone', '--quiet', remote.url, dir]);
        assert.match(await readFile(join(dir, 'Dispatchfile'), 'utf8'), /#!yaml/);
        await writeFile(join(dir, `${name}.txt`), 'pushed\n');
        await runGit(['add', '.'], { cwd: dir });
        await runGit(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'push'], { cwd: dir });
        await runGit(
          ['-c', `http.extraHeader=${header}`, 'push', '--quiet', 'origin', 'HEAD:refs/heads/pushed-' + name],
          { cwd: dir },
        );
        assert.equal(await emu.git.readFile('acme/app', `pushed-${name}`, `${name}.txt`), 'pushed\n');
      }
      const bad = await runGit(
        [
          '-c',
          'http.extraHeader=Authorization: Basic eC10b2tlbi1hdXRoOndyb25n',
          'clone',
          '--quiet',
          `${emu.url}/acme/app.git`,
          join(work, 'bad'),
        ],
        { allowFail: true },
      );
      assert.notEqual(bad.code, 0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('works with app-password (Basic) credentials on the API', async () => {
    const app = bitbucketCloudProvider('bb', host({ token: undefined, username: 'jdoe', password: 'app-pass' }));
    assert.equal(await app.defaultBranch('acme/app'), 'main');
  });

  it('maps a bad token to a permanent error that says to replace it', async () => {
    const bad = bitbucketCloudProvider('bb', host({ token: 'wrong' }));
    const e = await rejection(bad.defaultBranch('acme/app'));
    assert.ok(e instanceof PermanentError, String(e));
    assert.match(e.message, /HTTP 401.*replace it in the config/);
  });

  it('maps 5xx and 429 to passing errors, honouring Retry-After', async () => {
    emu.setFaults((c) =>
      c.route === PR_CREATE
        ? { status: 429, retryAfterSec: 7 }
        : c.route.includes('/src/')
          ? { status: 503 }
          : undefined,
    );
    try {
      const limited = await rejection(
        scm.pulls!.createPullRequest('acme/gitops', { head: 'topic', base: 'trunk', title: 't', body: '' }),
      );
      assert.ok(limited instanceof TransientError, String(limited));
      assert.equal(limited.retryAfterMs, 7000);
      const down = await rejection(scm.readFile('acme/app', 'Dispatchfile', 'main'));
      assert.ok(down instanceof TransientError, String(down));
      assert.match(down.message, /503/);
    } finally {
      emu.setFaults(undefined);
    }
  });

  it('treats an unreachable API as passing and refuses hosts without credentials', async () => {
    const gone = bitbucketCloudProvider('bb', host({ apiUrl: 'http://127.0.0.1:9/2.0' }));
    assert.ok((await rejection(gone.defaultBranch('acme/app'))) instanceof TransientError);
    assert.throws(
      () => bitbucketCloudProvider('bb', host({ token: undefined })),
      (e: unknown) => e instanceof PermanentError && /app password/.test(e.message),
    );
  });

  it('links commits on the web', () => {
    assert.equal(scm.commitUrl('acme/app', 'abc123'), `${emu.url}/acme/app/commits/abc123`);
  });
});
