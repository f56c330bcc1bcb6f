import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HostConfig } from '../../../src/config/schema.js';
import { PermanentError, TransientError } from '../../../src/core/errors.js';
import { bitbucketServerProvider } from '../../../src/scm/bitbucket-server/provider.js';
import type { ScmProvider } from '../../../src/scm/contracts.js';
import {
  startBitbucketServerEmulator,
  type BitbucketServerEmulator,
} from '../../emulators/bitbucket-server/emulator.js';
import { runGit } from '../../emulators/common/git/run-git.js';
import { pullRequestTests } from '../pull-request-suite.js';
import { boundedReadTests } from '../read-suite.js';
import { refTipAndCompareTests, TIMEOUT } from '../ref-suite.js';
import { commitChecksAndPullRequestTests } from '../review-suite.js';

const TOKEN = 'bbs-http-token';
const PULLS = 'POST /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/pull-requests';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return assert.fail('expected the call to fail');
}

describe('Bitbucket Server provider against the emulator', { timeout: 120_000 }, () => {
  let emu: BitbucketServerEmulator;
  let scm: ScmProvider;
  const host = (over: Partial<HostConfig> = {}): HostConfig => ({
    kind: 'bitbucket-server',
    url: emu.url,
    token: TOKEN,
    ...over,
  });

  before(async () => {
    emu = await startBitbucketServerEmulator({ token: TOKEN, username: 'jdoe', password: 'secret' });
    scm = bitbucketServerProvider('bbs', host());
    await emu.git.createRepo('PROJ/app', {
      files: { Dispatchfile: '#!yaml\nactions: []\n', 'deploy/dir name/app.yaml.tmpl': 'image: {{image}}\n' },
    });
    await emu.git.createRepo('OPS/gitops', {
      defaultBranch: 'trunk',
      files: { 'envs/staging/app.yaml': 'image: a\n', 'old.txt': 'x\n', 'keep.txt': 'k\n' },
    });
    await emu.git.createRepo('~jdoe/notes', { files: { 'a.md': 'hi\n' } });
  });
  after(() => emu.close());

  it('reads a file at a commit, paths with spaces included, and gives null for a missing or directory path', async () => {
    const sha = (await emu.git.revParse('PROJ/app', 'main')) ?? '';
    await emu.git.commit('PROJ/app', 'main', { Dispatchfile: 'changed\n' });
    assert.equal(await scm.readFile('PROJ/app', 'Dispatchfile', sha), '#!yaml\nactions: []\n');
    assert.equal(await scm.readFile('PROJ/app', 'deploy/dir name/app.yaml.tmpl', sha), 'image: {{image}}\n');
    assert.equal(await scm.readFile('PROJ/app', 'nope.txt', sha), null);
    assert.equal(await scm.readFile('PROJ/app', 'deploy', sha), null);
    assert.equal(await scm.readFile('~jdoe/notes', 'a.md', 'main'), 'hi\n');
  });

  it('refuses a missing repository or commit instead of calling the file absent', async () => {
    const repo = await rejection(scm.readFile('PROJ/missing', 'Dispatchfile', 'main'));
    assert.ok(repo instanceof PermanentError, String(repo));
    assert.match(repo.message, /404.*does not exist/);
    const commit = await rejection(scm.readFile('PROJ/app', 'Dispatchfile', 'f'.repeat(40)));
    assert.ok(commit instanceof PermanentError, String(commit));
  });

  it('compares from the merge base, following pages', async () => {
    const head = await emu.git.commit('OPS/gitops', 'topic', {
      'envs/staging/app.yaml': 'image: b\n',
      'old.txt': null,
      'envs/prod/app.yaml': 'image: p\n',
    });
    await emu.git.commit('OPS/gitops', 'trunk', { 'keep.txt': 'changed\n' });
    const cmp = await scm.compare('OPS/gitops', 'trunk', head);
    assert.deepEqual(
      { ...cmp, files: cmp.files?.sort() },
      { status: 'diverged', files: ['envs/prod/app.yaml', 'envs/staging/app.yaml', 'old.txt'] },
    );
    const files: Record<string, string> = {};
    for (let i = 0; i < 230; i++) files[`f/${i}.txt`] = `${i}\n`;
    const big = await emu.git.commit('PROJ/app', 'big', files);
    const route = 'GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/compare/changes';
    const before = emu.count(route);
    assert.equal((await scm.compare('PROJ/app', 'main', big)).files?.length, 230);
    assert.equal(emu.count(route) - before, 3);
  });

  refTipAndCompareTests(() => ({ scm, git: emu.git, repo: 'PROJ/refs', gitName: 'PROJ/refs' }));
  boundedReadTests(() => ({ scm, git: emu.git, repo: 'PROJ/refs', gitName: 'PROJ/refs' }));
  pullRequestTests(() => ({
    scm,
    git: emu.git,
    repo: 'PROJ/refs',
    gitName: 'PROJ/refs',
    api: {
      statuses: (repo, sha) =>
        emu.statuses(repo, sha).map((s) => ({ context: s.key, state: s.state, targetUrl: s.url })),
      states: { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED' },
      missingRepo: 'PROJ/missing',
      statusByCommitOnly: true,
    },
  }));

  commitChecksAndPullRequestTests(() => ({ scm, git: emu.git, repo: 'PROJ/review' }));

  it("refTip picks the branch whose id is exactly the ref among filterText's substring matches", TIMEOUT, async () => {
    await emu.git.createRepo('PROJ/names');
    const shas: Record<string, string> = {};
    for (const b of ['pre-release', 'release-2', 'release', 'releases/x', 'Release'])
      shas[b] = await emu.git.commit('PROJ/names', b, { [`${b}.txt`]: `${b}\n` });
    const route = 'GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/branches';
    const before = emu.count(route);
    assert.equal(await scm.refTip('PROJ/names', 'refs/heads/release'), shas.release);
    assert.equal(emu.count(route) - before, 1, 'one call: boostMatches puts the exact name first');
    assert.equal(await scm.refTip('PROJ/names', 'refs/heads/Release'), shas.Release);
    assert.equal(await scm.refTip('PROJ/names', 'refs/heads/releases/x'), shas['releases/x']);
    assert.equal(await scm.refTip('PROJ/names', 'refs/heads/releas'), null);
  });

  it('costs one call per refTip and three per compare (two one-commit pages and the changes)', TIMEOUT, async () => {
    const sha = (await emu.git.revParse('PROJ/app', 'main')) ?? '';
    const calls = async (fn: () => Promise<unknown>): Promise<number> => {
      const before = emu.count();
      await fn();
      return emu.count() - before;
    };
    assert.equal(await calls(() => scm.refTip('PROJ/app', 'refs/heads/main')), 1);
    assert.equal(await calls(() => scm.refTip('PROJ/app', 'refs/tags/none')), 1);
    const commits = 'GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/commits';
    const before = emu.count(commits);
    assert.equal(await calls(() => scm.compare('PROJ/app', 'main', sha)), 3);
    assert.equal(emu.count(commits) - before, 2);
  });

  it('refTip: a missing repository is a permanent error, not a missing ref; faults are passing', TIMEOUT, async () => {
    for (const ref of ['refs/heads/main', 'refs/tags/v1']) {
      const e = await rejection(scm.refTip('PROJ/missing', ref));
      assert.ok(e instanceof PermanentError, String(e));
      assert.match(e.message, /does not exist/);
    }
    assert.ok((await rejection(scm.refTip('PROJ/app', 'main'))) instanceof PermanentError, 'a short name is refused');
    assert.ok(
      (await rejection(scm.compare('PROJ/app', 'main', 'f'.repeat(40)))) instanceof PermanentError,
      'an unknown commit',
    );
    emu.setFaults((c) =>
      c.route.endsWith('/tags/{name}')
        ? { status: 503 }
        : c.route.endsWith('/commits')
          ? { status: 429, retryAfterSec: 2 }
          : undefined,
    );
    try {
      assert.ok((await rejection(scm.refTip('PROJ/app', 'refs/tags/v1'))) instanceof TransientError);
      const limited = await rejection(scm.compare('PROJ/app', 'main', 'main'));
      assert.ok(limited instanceof TransientError, String(limited));
      assert.equal(limited.retryAfterMs, 2000);
    } finally {
      emu.setFaults(undefined);
    }
  });

  it('reports the default branch, of personal repositories too', async () => {
    assert.equal(await scm.defaultBranch('OPS/gitops'), 'trunk');
    assert.equal(await scm.defaultBranch('~jdoe/notes'), 'main');
  });

  // Finding, opening, refusing a second, updating: test/scm/pull-request-suite.ts.
  it('links a pull request, names it in a duplicate, keeps reviewers on update, comments and merges', async () => {
    const head = 'dispatchd/PROJ/app/envs/staging';
    await emu.git.commit('OPS/gitops', head, { 'envs/staging/app.yaml': 'image: c\n' });
    const pr = await scm.pulls!.createPullRequest('OPS/gitops', { head, base: 'trunk', title: 'Deploy c', body: '' });
    assert.equal(pr.url, `${emu.url}/projects/OPS/repos/gitops/pull-requests/${pr.number}`);
    const dup = await rejection(
      scm.pulls!.createPullRequest('OPS/gitops', { head, base: 'trunk', title: 'again', body: '' }),
    );
    assert.ok(dup instanceof PermanentError, String(dup));
    assert.match(dup.message, new RegExp(`already exists \\(#${pr.number}\\)`));

    // A reviewer added by a person must survive dispatchd's update (PUT replaces the list). The
    // update reuses the version and reviewers of the PR its find just listed; a person's change
    // after that find bumps the version (Bitbucket's optimistic locking), so the PUT is refused
    // as out of date and the PR read afresh.
    const found = await scm.pulls!.findPullRequest('OPS/gitops', head, 'trunk');
    const pull = emu.pulls('OPS/gitops')[0]!;
    pull.reviewers.push('alice');
    pull.version += 1;
    const updated = await scm.pulls!.updatePullRequest('OPS/gitops', found!.number, {
      title: 'Deploy d',
      body: 'newer',
    });
    assert.equal(updated.title, 'Deploy d');
    assert.equal(updated.body, 'newer');
    assert.deepEqual(emu.pulls('OPS/gitops')[0]?.reviewers, ['alice']);
    // Nothing changed since the find: the update is one call, the PUT.
    const getPull = 'GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/pull-requests/{pullRequestId}';
    const again = await scm.pulls!.findPullRequest('OPS/gitops', head, 'trunk');
    const [gets, calls] = [emu.count(getPull), emu.count()];
    await scm.pulls!.updatePullRequest('OPS/gitops', again!.number, { title: 'Deploy d', body: 'newest' });
    assert.deepEqual([emu.count(getPull) - gets, emu.count() - calls], [0, 1]);
    assert.deepEqual(emu.pulls('OPS/gitops')[0]?.reviewers, ['alice']);

    await scm.pulls!.comment('OPS/gitops', pr.number, 'not made by dispatchd');
    assert.deepEqual(
      emu.comments('OPS/gitops', pr.number).map((c) => c.text),
      ['not made by dispatchd'],
    );

    await scm.pulls!.mergePullRequest('OPS/gitops', pr.number);
    assert.equal(emu.pulls('OPS/gitops')[0]?.state, 'MERGED');
    assert.equal(await emu.git.readFile('OPS/gitops', 'trunk', 'envs/staging/app.yaml'), 'image: c\n');
    assert.equal(await scm.pulls!.findPullRequest('OPS/gitops', head, 'trunk'), null);
    assert.ok((await rejection(scm.pulls!.mergePullRequest('OPS/gitops', pr.number))) instanceof PermanentError);
    assert.ok(
      (await rejection(scm.pulls!.updatePullRequest('OPS/gitops', 999, { title: 't', body: '' }))) instanceof
        PermanentError,
    );
  });

  it('sets build statuses keyed by context, with a URL always present', async () => {
    const sha = (await emu.git.revParse('PROJ/app', 'main')) ?? '';
    await scm.setStatus('PROJ/app', sha, { state: 'pending', context: 'dispatchd/deploy', description: 'rendering' });
    await scm.setStatus('PROJ/app', sha, {
      state: 'success',
      context: 'dispatchd/deploy',
      description: 'PR opened',
      targetUrl: 'https://example.test/pr/1',
    });
    await scm.setStatus('PROJ/app', sha, { state: 'failure', context: 'dispatchd/test', description: 'x'.repeat(400) });
    const list = emu.statuses('PROJ/app', sha);
    assert.deepEqual(
      list.map((s) => [s.key, s.state, s.url]),
      [
        ['dispatchd/deploy', 'SUCCESSFUL', 'https://example.test/pr/1'],
        ['dispatchd/test', 'FAILED', `${emu.url}/projects/PROJ/repos/app`],
      ],
    );
    assert.equal(list[1]?.description?.length, 255);
  });

  it('gives git a remote under /scm that clones and pushes with a Bearer token or Basic', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bbs-remote-'));
    try {
      for (const [name, repo, h] of [
        ['token', 'PROJ/app', host()],
        ['basic', '~jdoe/notes', host({ token: undefined, username: 'jdoe', password: 'secret' })],
      ] as const) {
        const remote = await bitbucketServerProvider('bbs', h).gitRemote(repo);
        assert.equal(
          remote.url,
          repo === 'PROJ/app' ? `${emu.url}/scm/proj/app.git` : `${emu.url}/scm/~jdoe/notes.git`,
        );
        const header = `Authorization: ${remote.headers.Authorization ?? ''}`;
        const dir = join(work, name);
        await runGit(['-c', `http.extraHeader=${header}`, 'clone', '--quiet', remote.url, dir]);
        await writeFile(join(dir, `${name}.txt`), 'pushed\n');
        await runGit(['add', '.'], { cwd: dir });
        await runGit(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'push'], { cwd: dir });
        await runGit(
          ['-c', `http.extraHeader=${header}`, 'push', '--quiet', 'origin', `HEAD:refs/heads/pushed-${name}`],
          { cwd: dir },
        );
        assert.equal(await emu.git.readFile(repo, `pushed-${name}`, `${name}.txt`), 'pushed\n');
        assert.ok((await readFile(join(dir, `${name}.txt`), 'utf8')).length > 0);
      }
      const bad = await runGit(
        [
          '-c',
          'http.extraHeader=Authorization: Bearer wrong',
          'clone',
          '--quiet',
          `${emu.url}/scm/proj/app.git`,
          join(work, 'bad'),
        ],
        { allowFail: true },
      );
      assert.notEqual(bad.code, 0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('maps a bad token to a permanent error and faults to passing ones, honouring Retry-After', async () => {
    const e = await rejection(bitbucketServerProvider('bbs', host({ token: 'wrong' })).defaultBranch('PROJ/app'));
    assert.ok(e instanceof PermanentError, String(e));
    assert.match(e.message, /HTTP 401.*replace it in the config/);
    emu.setFaults((c) =>
      c.route === PULLS ? { status: 429, retryAfterSec: 9 } : c.route.includes('/raw/') ? { status: 502 } : undefined,
    );
    try {
      const limited = await rejection(
        scm.pulls!.createPullRequest('OPS/gitops', { head: 'topic', base: 'trunk', title: 't', body: '' }),
      );
      assert.ok(limited instanceof TransientError, String(limited));
      assert.equal(limited.retryAfterMs, 9000);
      const down = await rejection(scm.readFile('PROJ/app', 'Dispatchfile', 'main'));
      assert.ok(down instanceof TransientError, String(down));
    } finally {
      emu.setFaults(undefined);
    }
    const gone = bitbucketServerProvider('bbs', host({ apiUrl: 'http://127.0.0.1:9/rest/api/1.0' }));
    assert.ok((await rejection(gone.defaultBranch('PROJ/app'))) instanceof TransientError);
    assert.throws(() => bitbucketServerProvider('bbs', host({ token: undefined })), PermanentError);
  });

  it('links commits on the web, personal repositories under /users', () => {
    assert.equal(scm.commitUrl('PROJ/app', 'abc'), `${emu.url}/projects/PROJ/repos/app/commits/abc`);
    assert.equal(scm.commitUrl('~jdoe/notes', 'abc'), `${emu.url}/users/jdoe/repos/notes/commits/abc`);
  });
});
