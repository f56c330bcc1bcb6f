import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bitbucketServerApi, ServerHttpError, type ServerApi } from '../../src/scm/bitbucket-server/api.js';
import { startBitbucketServerEmulator, type BitbucketServerEmulator } from './bitbucket-server/emulator.js';
import { createTag } from './common/git/write-commit.js';

const TOKEN = 'bbs-token';

async function failure(p: Promise<unknown>): Promise<ServerHttpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ServerHttpError) return e;
    throw e;
  }
  return assert.fail('expected the call to fail');
}

describe('Bitbucket Server emulator: REST 1.0 through the typed client', { timeout: 120_000 }, () => {
  let emu: BitbucketServerEmulator;
  let api: ServerApi;
  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${emu.apiUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
  before(async () => {
    emu = await startBitbucketServerEmulator({ token: TOKEN, username: 'jdoe', password: 'pw' });
    api = bitbucketServerApi({
      apiUrl: emu.apiUrl,
      buildStatusUrl: `${emu.url}/rest/build-status/1.0`,
      authorization: `Bearer ${TOKEN}`,
    });
    await emu.git.createRepo('PROJ/app', { files: { 'a.txt': 'a\n' } });
  });
  after(() => emu.close());

  it("refuses bad and missing credentials with 401 and Bitbucket's errors body", async () => {
    const bad = bitbucketServerApi({ apiUrl: emu.apiUrl, buildStatusUrl: '', authorization: 'Bearer nope' });
    const e = await failure(bad.getPullRequest('PROJ', 'app', 1));
    assert.equal(e.status, 401);
    assert.match(e.exception(), /IncorrectPasswordAuthenticationException/);
    const anon = await fetch(`${emu.apiUrl}/projects/PROJ/repos/app`);
    assert.equal(anon.status, 401);
    assert.match(JSON.stringify(await anon.json()), /AuthorisationException/);
    const basic = await fetch(`${emu.apiUrl}/projects/proj/repos/app`, {
      headers: { authorization: `Basic ${Buffer.from('jdoe:pw').toString('base64')}` },
    });
    assert.equal(basic.status, 200, 'project keys match case-insensitively');
  });

  it('answers both default-branch endpoints and names a missing repository', async () => {
    assert.equal((await api.defaultBranch('PROJ', 'app'))?.id, 'refs/heads/main');
    assert.equal((await rest('/projects/PROJ/repos/app/branches/default')).status, 200);
    const e = await failure(api.defaultBranch('PROJ', 'nope'));
    assert.match(e.exception(), /NoSuchRepositoryException/);
  });

  it(
    'filters branches by any part of the name, boosts the exact one, and pages them',
    { timeout: 30_000 },
    async () => {
      await emu.git.createRepo('PROJ/br');
      for (const b of ['a-main', 'main-b', 'other']) await emu.git.commit('PROJ/br', b, {});
      type Page = {
        values: { id: string; displayId: string; latestCommit: string; isDefault: boolean }[];
        isLastPage: boolean;
        nextPageStart?: number;
      };
      const list = async (q: string): Promise<Page> =>
        (await (await rest(`/projects/PROJ/repos/br/branches?${q}`)).json()) as Page;
      assert.deepEqual(
        (await list('filterText=MAIN')).values.map((b) => b.displayId),
        ['a-main', 'main', 'main-b'],
      );
      const boosted = await list('filterText=main&boostMatches=true');
      assert.deepEqual(
        boosted.values.map((b) => [b.id, b.isDefault]),
        [
          ['refs/heads/main', true],
          ['refs/heads/a-main', false],
          ['refs/heads/main-b', false],
        ],
      );
      const first = await list('limit=2');
      assert.deepEqual([first.values.length, first.isLastPage, first.nextPageStart], [2, false, 2]);
      assert.equal(
        (await api.branch('PROJ', 'br', 'refs/heads/main'))?.latestCommit,
        await emu.git.revParse('PROJ/br', 'main'),
      );
      assert.equal(await api.branch('PROJ', 'br', 'refs/heads/mai'), null);
    },
  );

  it(
    'answers a tag with latestCommit peeled and hash the tag object, and commits between two refs',
    { timeout: 30_000 },
    async () => {
      const base = (await emu.git.revParse('PROJ/br', 'main')) ?? '';
      await createTag(emu.git.bareDir('PROJ/br'), 'rel/v1', base, 'release');
      const tag = await api.tag('PROJ', 'br', 'rel/v1');
      assert.deepEqual([tag.id, tag.displayId, tag.latestCommit], ['refs/tags/rel/v1', 'rel/v1', base]);
      assert.notEqual((tag as { hash?: string }).hash, base);
      assert.equal((await failure(api.tag('PROJ', 'br', 'v9'))).status, 404);
      const head = await emu.git.commit('PROJ/br', 'topic', { 't.txt': 't\n' });
      assert.equal(await api.hasCommitsBetween('PROJ', 'br', 'main', head), true);
      assert.equal(await api.hasCommitsBetween('PROJ', 'br', head, 'main'), false);
      const page = (await (await rest(`/projects/PROJ/repos/br/commits?since=main&until=${head}`)).json()) as {
        values: { id: string }[];
        isLastPage: boolean;
      };
      assert.deepEqual([page.values.map((c) => c.id), page.isLastPage], [[head], true]);
      const missing = await failure(api.hasCommitsBetween('PROJ', 'br', 'main', 'ghost'));
      assert.match(missing.exception(), /NoSuchCommitException/);
    },
  );

  it('lists pull requests by direction and ref, with paging fields', async () => {
    for (const n of [1, 2, 3]) {
      await emu.git.commit('PROJ/app', `f${n}`, { [`f${n}.txt`]: `${n}\n` });
      await api.createPullRequest('PROJ', 'app', {
        title: `PR ${n}`,
        description: '',
        from: `refs/heads/f${n}`,
        to: 'refs/heads/main',
      });
    }
    assert.deepEqual(
      (await api.pullRequests('PROJ', 'app', { at: 'refs/heads/f2', direction: 'OUTGOING', state: 'OPEN' })).map(
        (p) => p.title,
      ),
      ['PR 2'],
    );
    assert.equal(
      (await api.pullRequests('PROJ', 'app', { at: 'refs/heads/main', direction: 'INCOMING', state: 'OPEN' })).length,
      3,
    );
    const page = (await (await rest('/projects/PROJ/repos/app/pull-requests?limit=2')).json()) as {
      isLastPage: boolean;
      nextPageStart: number;
      values: unknown[];
    };
    assert.deepEqual([page.values.length, page.isLastPage, page.nextPageStart], [2, false, 2]);
  });

  it('enforces pull-request versions and refuses empty or duplicate pull requests with 409', async () => {
    const [pr] = await api.pullRequests('PROJ', 'app', { at: 'refs/heads/f1', direction: 'OUTGOING', state: 'OPEN' });
    assert.ok(pr);
    const stale = await failure(
      api.updatePullRequest('PROJ', 'app', pr.id, { version: pr.version + 5, title: 'x', description: '' }),
    );
    assert.equal(stale.status, 409);
    assert.match(stale.exception(), /PullRequestOutOfDateException/);
    const ok = await api.updatePullRequest('PROJ', 'app', pr.id, { version: pr.version, title: 'x', description: '' });
    assert.equal(ok.version, pr.version + 1);
    assert.match((await failure(api.mergePullRequest('PROJ', 'app', pr.id, pr.version))).exception(), /OutOfDate/);
    const dup = await failure(
      api.createPullRequest('PROJ', 'app', {
        title: 'again',
        description: '',
        from: 'refs/heads/f1',
        to: 'refs/heads/main',
      }),
    );
    assert.match(dup.exception(), /DuplicatePullRequestException/);
    assert.equal(dup.errors[0]?.existingPullRequest?.id, pr.id);
    const empty = await failure(
      api.createPullRequest('PROJ', 'app', {
        title: 'e',
        description: '',
        from: 'refs/heads/main',
        to: 'refs/heads/main',
      }),
    );
    assert.match(empty.exception(), /EmptyPullRequestException/);
  });

  it('answers 204 to a build status and refuses one without key, state or url', async () => {
    const sha = (await emu.git.revParse('PROJ/app', 'main')) ?? '';
    await api.setBuildStatus(sha, {
      state: 'INPROGRESS',
      key: 'k',
      name: 'k',
      url: 'https://ci.test/1',
      description: '',
    });
    const res = await fetch(`${emu.url}/rest/build-status/1.0/commits/${sha}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'DONE' }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(
      emu.statuses('PROJ/app', sha).map((s) => s.state),
      ['INPROGRESS'],
    );
  });

  it('counts calls by documented route and injects faults', async () => {
    const route = 'GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}/pull-requests/{pullRequestId}';
    const before = emu.count(route);
    emu.setFaults((c) => (c.route === route ? { status: 503, retryAfterSec: 2 } : undefined));
    try {
      const e = await failure(api.getPullRequest('PROJ', 'app', 1));
      assert.equal(e.status, 503);
      assert.equal(e.headers['retry-after'], '2');
    } finally {
      emu.setFaults(undefined);
    }
    assert.equal((await api.getPullRequest('PROJ', 'app', 1)).id, 1);
    assert.equal(emu.count(route) - before, 2);
  });
});
