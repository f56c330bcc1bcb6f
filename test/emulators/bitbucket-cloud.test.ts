import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bitbucket from 'bitbucket';
import { startBitbucketCloudEmulator, type BitbucketCloudEmulator } from './bitbucket-cloud/emulator.js';
import { createTag } from './common/git/write-commit.js';

const TOKEN = 'bbc-token';
type Client = InstanceType<typeof bitbucket.Bitbucket>;
interface HttpError {
  status: number;
  error?: { error?: { message?: string } };
  headers?: Record<string, string>;
}

async function failure(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    return e as HttpError;
  }
  return assert.fail('expected the call to fail');
}

describe('Bitbucket Cloud emulator: REST 2.0 through the bitbucket client', { timeout: 120_000 }, () => {
  let emu: BitbucketCloudEmulator;
  let bb: Client;
  const ws = { workspace: 'acme', repo_slug: 'app' };
  before(async () => {
    emu = await startBitbucketCloudEmulator({ token: TOKEN, username: 'jdoe', appPassword: 'pw' });
    bb = new bitbucket.Bitbucket({ baseUrl: emu.apiUrl, auth: { token: TOKEN }, notice: false });
    await emu.git.createRepo('acme/app', { files: { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' } });
  });
  after(() => emu.close());

  it("answers 401 with Bitbucket's error body to bad or missing credentials, and accepts app passwords", async () => {
    const bad = new bitbucket.Bitbucket({ baseUrl: emu.apiUrl, auth: { token: 'nope' }, notice: false });
    const e = await failure(bad.repositories.get(ws));
    assert.equal(e.status, 401);
    assert.match(e.error?.error?.message ?? '', /invalid/i);
    assert.equal((await fetch(`${emu.apiUrl}/repositories/acme/app`)).status, 401);
    const app = new bitbucket.Bitbucket({
      baseUrl: emu.apiUrl,
      auth: { username: 'jdoe', password: 'pw' },
      notice: false,
    });
    assert.equal(((await app.repositories.get(ws)).data as { mainbranch: { name: string } }).mainbranch.name, 'main');
  });

  it('serves a directory under src as a page of tree entries and 404s unknown paths and commits', async () => {
    const { data } = await bb.repositories.readSrc({ ...ws, commit: 'main', path: 'dir/' });
    assert.deepEqual(
      (data as { values: { path: string; type: string }[] }).values.map((v) => [v.path, v.type]),
      [['dir/b.txt', 'commit_file']],
    );
    assert.equal((await failure(bb.repositories.readSrc({ ...ws, commit: 'main', path: 'zzz' }))).status, 404);
    const commit = await failure(bb.repositories.readSrc({ ...ws, commit: 'nope', path: 'a.txt' }));
    assert.equal(commit.error?.error?.message, 'Commit not found');
  });

  it('filters pull requests with BBQL, pages them and refuses malformed queries with 400', async () => {
    for (const n of [1, 2, 3]) {
      await emu.git.commit('acme/app', `f${n}`, { [`f${n}.txt`]: `${n}\n` });
      await bb.repositories.createPullRequest({
        ...ws,
        _body: {
          type: 'pullrequest',
          title: `PR ${n}`,
          source: { branch: { name: `f${n}` } },
          destination: { branch: { name: 'main' } },
        },
      });
    }
    const q = await bb.repositories.listPullRequests({
      ...ws,
      q: 'source.branch.name = "f2" AND state = "OPEN"',
    } as Parameters<Client['repositories']['listPullRequests']>[0]);
    assert.deepEqual(
      (q.data as { values: { title: string }[] }).values.map((p) => p.title),
      ['PR 2'],
    );
    const first = await bb.repositories.listPullRequests({ ...ws, pagelen: 2 } as Parameters<
      Client['repositories']['listPullRequests']
    >[0]);
    assert.equal((first.data as { values: unknown[] }).values.length, 2);
    assert.ok(bb.hasNextPage(first.data));
    const second = (await (bb.getNextPage(first.data) as unknown as Promise<{ data: { values: unknown[] } }>)).data;
    assert.equal(second.values.length, 1);
    const bad = await failure(
      bb.repositories.listPullRequests({ ...ws, q: 'source.branch.name "f2"' } as Parameters<
        Client['repositories']['listPullRequests']
      >[0]),
    );
    assert.equal(bad.status, 400);
    const field = await failure(
      bb.repositories.listPullRequests({ ...ws, q: 'colour = "red"' } as Parameters<
        Client['repositories']['listPullRequests']
      >[0]),
    );
    assert.match(field.error?.error?.message ?? '', /Invalid field name/);
  });

  it('refuses a pull request with nothing to pull or no title, and a merge that conflicts', async () => {
    await emu.git.commit('acme/app', 'same', {});
    const empty = await failure(
      bb.repositories.createPullRequest({
        ...ws,
        _body: {
          type: 'pullrequest',
          title: 't',
          source: { branch: { name: 'main' } },
          destination: { branch: { name: 'main' } },
        },
      }),
    );
    assert.equal(empty.status, 400);
    const untitled = await failure(
      bb.repositories.createPullRequest({ ...ws, _body: { type: 'pullrequest', source: { branch: { name: 'f1' } } } }),
    );
    assert.equal(untitled.status, 400);
    await emu.git.commit('acme/app', 'c1', { 'a.txt': 'one\n' });
    await emu.git.commit('acme/app', 'main', { 'a.txt': 'two\n' });
    const pr = (
      await bb.repositories.createPullRequest({
        ...ws,
        _body: { type: 'pullrequest', title: 'c', source: { branch: { name: 'c1' } } },
      })
    ).data as { id: number };
    const conflict = await failure(bb.repositories.mergePullRequest({ ...ws, pull_request_id: pr.id }));
    assert.equal(conflict.status, 400);
    assert.equal(emu.pulls('acme/app').find((p) => p.id === pr.id)?.state, 'OPEN');
  });

  it(
    'shows a branch or tag by name (slashes encoded or not, tags peeled to their commit) and the merge base',
    { timeout: 30_000 },
    async () => {
      const r = { workspace: 'acme', repo_slug: 'refs' };
      const base = await emu.git.createRepo('acme/refs');
      const head = await emu.git.commit('acme/refs', 'feature/x', { 'x.txt': 'x\n' });
      await createTag(emu.git.bareDir('acme/refs'), 'v1', base, 'release one');
      type Ref = { name: string; target: { hash: string }; message?: string };
      const branch = (await bb.repositories.getBranch({ ...r, name: 'feature/x' })).data as Ref;
      assert.deepEqual([branch.name, branch.target.hash], ['feature/x', head]);
      const raw = await fetch(`${emu.apiUrl}/repositories/acme/refs/refs/branches/feature/x`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(((await raw.json()) as Ref).target.hash, head);
      const tag = (await bb.repositories.getTag({ ...r, name: 'v1' })).data as Ref;
      assert.deepEqual([tag.target.hash, tag.message], [base, 'release one\n']);
      assert.equal((await failure(bb.repositories.getBranch({ ...r, name: 'feature' }))).status, 404);
      assert.equal((await failure(bb.repositories.getTag({ ...r, name: 'v2' }))).status, 404);
      const later = await emu.git.commit('acme/refs', 'main', { 'm.txt': 'm\n' });
      const mb = (await bb.repositories.getMergeBase({ ...r, revspec: `${later}..${head}` })).data as { hash: string };
      assert.equal(mb.hash, base);
      assert.equal((await failure(bb.repositories.getMergeBase({ ...r, revspec: `${later}..ghost` }))).status, 404);
    },
  );

  it('counts calls per documented route and injects faults with Retry-After and latency', async () => {
    const route = 'GET /repositories/{workspace}/{repo_slug}';
    const before = emu.count(route);
    emu.setFaults((c) => (c.route === route && c.n === before + 1 ? { status: 429, retryAfterSec: 3 } : undefined));
    emu.setLatency(50);
    try {
      const e = await failure(bb.repositories.get(ws));
      assert.equal(e.status, 429);
      assert.equal(e.headers?.['retry-after'], '3');
      const t = Date.now();
      await bb.repositories.get(ws);
      assert.ok(Date.now() - t >= 45);
    } finally {
      emu.setFaults(undefined);
      emu.setLatency(0);
    }
    assert.equal(emu.count(route) - before, 2);
    assert.deepEqual(emu.calls.at(-1), { method: 'GET', path: '/repositories/acme/app', route, status: 200 });
  });
});
