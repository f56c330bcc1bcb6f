import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppAuth } from '@octokit/auth-app';
import { RequestError } from '@octokit/request-error';
import { Octokit } from '@octokit/rest';
import { startGithubEmulator, type GithubEmulator } from './github/emulator.js';
import { basicAuthorization } from './common/auth.js';
import { seededFaults } from './common/faults.js';
import { runGit } from './common/git/run-git.js';
import { commitChain, createTag } from './common/git/write-commit.js';

const TOKEN = 'ghp_test_token';
const owner = 'acme';

async function failure(p: Promise<unknown>): Promise<RequestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RequestError) return e;
    throw e;
  }
  assert.fail('expected the call to fail');
}

describe('GitHub emulator: REST API through @octokit/rest', { timeout: 120_000 }, () => {
  let emu: GithubEmulator;
  let gh: Octokit;
  before(async () => {
    emu = await startGithubEmulator({ token: TOKEN });
    gh = new Octokit({ baseUrl: emu.apiUrl, auth: TOKEN });
    await emu.git.createRepo('acme/app', {
      files: { Dispatchfile: '#!yaml\n', 'deploy/app.yaml.tmpl': 'image: {{image}}\n' },
    });
  });
  after(() => emu.close());

  it('answers GET repo with the default branch and sends rate-limit headers', async () => {
    await emu.git.createRepo('acme/trunky', { defaultBranch: 'trunk' });
    const res = await gh.repos.get({ owner, repo: 'trunky' });
    assert.equal(res.data.default_branch, 'trunk');
    assert.equal(res.data.full_name, 'acme/trunky');
    assert.equal(res.data.clone_url, `${emu.url}/acme/trunky.git`);
    assert.equal(res.headers['x-ratelimit-limit'], '5000');
    assert.ok(Number(res.headers['x-ratelimit-remaining']) < 5000);
    assert.ok(Number(res.headers['x-ratelimit-reset']) > Date.now() / 1000);
    assert.equal((await failure(gh.repos.get({ owner, repo: 'missing' }))).status, 404);
  });

  it('refuses bad or missing credentials with 401 Bad credentials', async () => {
    const bad = new Octokit({ baseUrl: emu.apiUrl, auth: 'wrong' });
    const e = await failure(bad.repos.get({ owner, repo: 'app' }));
    assert.equal(e.status, 401);
    assert.equal((e.response?.data as { message: string }).message, 'Bad credentials');
    const anon = new Octokit({ baseUrl: emu.apiUrl });
    assert.equal((await failure(anon.repos.get({ owner, repo: 'app' }))).status, 401);
    const bearer = await fetch(`${emu.apiUrl}/repos/acme/app`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bearer.status, 200);
  });

  it('serves contents as base64 (or raw), lists directories, and 404s missing files and refs', async () => {
    const sha = await emu.git.commit('acme/app', 'main', { 'deploy/values.yaml': 'a: 1\n' });
    const res = await gh.repos.getContent({ owner, repo: 'app', path: 'deploy/app.yaml.tmpl', ref: sha });
    assert.ok(!Array.isArray(res.data) && res.data.type === 'file');
    assert.equal(Buffer.from(res.data.content ?? '', 'base64').toString('utf8'), 'image: {{image}}\n');
    const raw = await gh.repos.getContent({ owner, repo: 'app', path: 'Dispatchfile', mediaType: { format: 'raw' } });
    assert.equal(String(raw.data), '#!yaml\n');
    const dir = await gh.repos.getContent({ owner, repo: 'app', path: 'deploy' });
    assert.ok(Array.isArray(dir.data));
    assert.deepEqual(dir.data.map((e) => e.name).sort(), ['app.yaml.tmpl', 'values.yaml']);
    assert.equal((await failure(gh.repos.getContent({ owner, repo: 'app', path: 'nope.txt' }))).status, 404);
    assert.equal(
      (await failure(gh.repos.getContent({ owner, repo: 'app', path: 'Dispatchfile', ref: 'no-such-branch' }))).status,
      404,
    );
  });

  it('compares base...head with changed files and commits', async () => {
    await emu.git.createRepo('acme/cmp', { files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    await emu.git.commit('acme/cmp', 'feature/x', { 'a.txt': 'a2\n', 'b.txt': null, 'c.txt': 'c\n' }, 'change abc');
    const res = await gh.repos.compareCommitsWithBasehead({ owner, repo: 'cmp', basehead: 'main...feature/x' });
    assert.equal(res.data.status, 'ahead');
    assert.equal(res.data.ahead_by, 1);
    assert.deepEqual(
      res.data.commits.map((c) => c.commit.message),
      ['change abc'],
    );
    assert.deepEqual((res.data.files ?? []).map((f) => `${f.status} ${f.filename}`).sort(), [
      'added c.txt',
      'modified a.txt',
      'removed b.txt',
    ]);
    assert.equal(
      (await failure(gh.repos.compareCommitsWithBasehead({ owner, repo: 'cmp', basehead: 'main...ghost' }))).status,
      404,
    );
  });

  it(
    'compares with status, counts and merge base; counts every commit but lists 250 commits and 300 files',
    { timeout: 30_000 },
    async () => {
      await emu.git.createRepo('acme/caps');
      const base = (await emu.git.revParse('acme/caps', 'main')) ?? '';
      const files: Record<string, string> = {};
      for (let i = 0; i < 305; i++) files[`f/${i}.txt`] = `${i}\n`;
      await emu.git.commit('acme/caps', 'wide', files);
      const head = await commitChain(emu.git.bareDir('acme/caps'), 'wide', 260);
      const mainTip = await emu.git.commit('acme/caps', 'main', { 'm.txt': 'm\n' });
      const res = await gh.repos.compareCommitsWithBasehead({ owner, repo: 'caps', basehead: `main...${head}` });
      assert.deepEqual(
        [res.data.status, res.data.ahead_by, res.data.behind_by, res.data.total_commits],
        ['diverged', 261, 1, 261],
      );
      assert.equal(res.data.merge_base_commit.sha, base);
      assert.equal(res.data.commits.length, 250);
      assert.equal(res.data.files?.length, 300);
      const back = await gh.repos.compareCommitsWithBasehead({ owner, repo: 'caps', basehead: `${mainTip}...${base}` });
      assert.deepEqual(
        [back.data.status, back.data.ahead_by, back.data.behind_by, back.data.files?.length],
        ['behind', 0, 1, 0],
      );
    },
  );

  it(
    'answers git/ref unpeeled (exact names only) and git/tags with the tagged object',
    { timeout: 30_000 },
    async () => {
      await emu.git.createRepo('acme/tagged');
      const sha = (await emu.git.revParse('acme/tagged', 'main')) ?? '';
      await createTag(emu.git.bareDir('acme/tagged'), 'v1', sha, 'first release');
      await createTag(emu.git.bareDir('acme/tagged'), 'light', sha);
      await emu.git.commit('acme/tagged', 'feature/x', { 'x.txt': 'x\n' });
      const branch = await gh.git.getRef({ owner, repo: 'tagged', ref: 'heads/main' });
      assert.deepEqual(
        [branch.data.ref, branch.data.object.type, branch.data.object.sha],
        ['refs/heads/main', 'commit', sha],
      );
      const slashed = await gh.git.getRef({ owner, repo: 'tagged', ref: 'heads/feature/x' });
      assert.equal(slashed.data.object.sha, await emu.git.revParse('acme/tagged', 'feature/x'));
      assert.equal((await gh.git.getRef({ owner, repo: 'tagged', ref: 'tags/light' })).data.object.type, 'commit');
      const annotated = await gh.git.getRef({ owner, repo: 'tagged', ref: 'tags/v1' });
      assert.equal(annotated.data.object.type, 'tag');
      assert.notEqual(annotated.data.object.sha, sha);
      const tag = await gh.git.getTag({ owner, repo: 'tagged', tag_sha: annotated.data.object.sha });
      assert.deepEqual(
        [tag.data.tag, tag.data.message, tag.data.object.type, tag.data.object.sha],
        ['v1', 'first release\n', 'commit', sha],
      );
      assert.equal(tag.data.tagger.name, 'Test Rig');
      assert.equal(
        (await failure(gh.git.getRef({ owner, repo: 'tagged', ref: 'heads/feature' }))).status,
        404,
        'a prefix is not a ref',
      );
      assert.equal((await failure(gh.git.getRef({ owner, repo: 'tagged', ref: 'tags/v2' }))).status, 404);
      assert.equal(
        (await failure(gh.git.getTag({ owner, repo: 'tagged', tag_sha: sha }))).status,
        404,
        'a commit is not a tag object',
      );
    },
  );

  it('creates, finds, updates and comments on a pull request; a duplicate gets 422', async () => {
    await emu.git.createRepo('acme/gitops');
    await emu.git.commit('acme/gitops', 'dispatchd/acme/app/staging', { 'staging/app.yaml': 'image: v1\n' });
    const before = emu.count('POST /repos/{owner}/{repo}/pulls');
    const pr = await gh.pulls.create({
      owner,
      repo: 'gitops',
      head: 'dispatchd/acme/app/staging',
      base: 'main',
      title: 'Deploy v1',
      body: 'first',
    });
    assert.equal(pr.status, 201);
    assert.equal(pr.data.state, 'open');
    assert.equal(pr.data.html_url, `${emu.url}/acme/gitops/pull/${pr.data.number}`);
    assert.equal(pr.data.head.sha, await emu.git.revParse('acme/gitops', 'dispatchd/acme/app/staging'));

    const dup = await failure(
      gh.pulls.create({ owner, repo: 'gitops', head: 'acme:dispatchd/acme/app/staging', base: 'main', title: 'again' }),
    );
    assert.equal(dup.status, 422);
    const errors = (dup.response?.data as { errors: { message: string }[] }).errors;
    assert.equal(errors[0]?.message, 'A pull request already exists for acme:dispatchd/acme/app/staging.');
    assert.equal(emu.count('POST /repos/{owner}/{repo}/pulls'), before + 2);

    const found = await gh.pulls.list({
      owner,
      repo: 'gitops',
      head: 'acme:dispatchd/acme/app/staging',
      base: 'main',
      state: 'open',
    });
    assert.deepEqual(
      found.data.map((p) => p.number),
      [pr.data.number],
    );
    const none = await gh.pulls.list({ owner, repo: 'gitops', head: 'acme:other', state: 'open' });
    assert.equal(none.data.length, 0);

    const newHead = await emu.git.commit('acme/gitops', 'dispatchd/acme/app/staging', {
      'staging/app.yaml': 'image: v2\n',
    });
    const updated = await gh.pulls.update({
      owner,
      repo: 'gitops',
      pull_number: pr.data.number,
      title: 'Deploy v2',
      body: 'second',
    });
    assert.equal(updated.data.title, 'Deploy v2');
    assert.equal(updated.data.head.sha, newHead, 'the PR follows its head branch');
    const got = await gh.pulls.get({ owner, repo: 'gitops', pull_number: pr.data.number });
    assert.equal(got.data.body, 'second');
    assert.equal(got.data.mergeable, true);

    const comment = await gh.issues.createComment({
      owner,
      repo: 'gitops',
      issue_number: pr.data.number,
      body: 'head branch has foreign commits',
    });
    assert.equal(comment.status, 201);
    assert.deepEqual(
      emu.comments('acme/gitops', pr.data.number).map((c) => c.body),
      ['head branch has foreign commits'],
    );
    assert.equal(
      (await failure(gh.issues.createComment({ owner, repo: 'gitops', issue_number: 999, body: 'x' }))).status,
      404,
    );
    assert.deepEqual(
      emu.pulls('acme/gitops').map((p) => [p.number, p.headSha]),
      [[pr.data.number, newHead]],
    );
  });

  it('refuses a PR whose head branch is missing or has no new commits', async () => {
    await emu.git.createRepo('acme/nohead');
    const missing = await failure(gh.pulls.create({ owner, repo: 'nohead', head: 'ghost', base: 'main', title: 't' }));
    assert.equal(missing.status, 422);
    assert.deepEqual(
      (missing.response?.data as { errors: { field?: string }[] }).errors.map((e) => e.field),
      ['head'],
    );
    const mainSha = (await emu.git.revParse('acme/nohead', 'main')) ?? '';
    await runGit(['update-ref', 'refs/heads/same', mainSha], { gitDir: emu.git.bareDir('acme/nohead') });
    const empty = await failure(gh.pulls.create({ owner, repo: 'nohead', head: 'same', base: 'main', title: 't' }));
    assert.equal(empty.status, 422);
    assert.match(
      (empty.response?.data as { errors: { message: string }[] }).errors[0]?.message ?? '',
      /^No commits between main and same/,
    );
  });

  it('gives one 201 and one 422 to two clients racing to open the same PR', async () => {
    await emu.git.createRepo('acme/race');
    await emu.git.commit('acme/race', 'env', { 'f.txt': 'x\n' });
    const results = await Promise.allSettled(
      [1, 2].map(() => gh.pulls.create({ owner, repo: 'race', head: 'env', base: 'main', title: 'race' })),
    );
    const statuses = results
      .map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as RequestError).status))
      .sort();
    assert.deepEqual(statuses, [201, 422]);
    assert.equal(emu.pulls('acme/race').length, 1);
  });

  it('merges a PR into the base branch for real, and answers 405 when it cannot', async () => {
    await emu.git.createRepo('acme/merge', { files: { 'shared.txt': 'base\n' } });
    await emu.git.commit('acme/merge', 'ok', { 'new.txt': 'merged content\n' });
    const pr = await gh.pulls.create({ owner, repo: 'merge', head: 'ok', base: 'main', title: 'ok' });
    const merged = await gh.pulls.merge({ owner, repo: 'merge', pull_number: pr.data.number });
    assert.equal(merged.data.merged, true);
    assert.equal(await emu.git.revParse('acme/merge', 'main'), merged.data.sha);
    assert.equal(await emu.git.readFile('acme/merge', 'main', 'new.txt'), 'merged content\n');
    const after = await gh.pulls.get({ owner, repo: 'merge', pull_number: pr.data.number });
    assert.equal(after.data.merged, true);
    assert.equal(after.data.state, 'closed');
    assert.equal((await failure(gh.pulls.merge({ owner, repo: 'merge', pull_number: pr.data.number }))).status, 405);

    await emu.git.commit('acme/merge', 'conflict', { 'shared.txt': 'theirs\n' });
    await emu.git.commit('acme/merge', 'main', { 'shared.txt': 'ours\n' });
    const bad = await gh.pulls.create({ owner, repo: 'merge', head: 'conflict', base: 'main', title: 'conflict' });
    assert.equal((await gh.pulls.get({ owner, repo: 'merge', pull_number: bad.data.number })).data.mergeable, false);
    const e = await failure(gh.pulls.merge({ owner, repo: 'merge', pull_number: bad.data.number }));
    assert.equal(e.status, 405);
    assert.equal(await emu.git.readFile('acme/merge', 'main', 'shared.txt'), 'ours\n');
    const closed = await gh.pulls.update({ owner, repo: 'merge', pull_number: bad.data.number, state: 'closed' });
    assert.equal(closed.data.state, 'closed');
    assert.equal((await gh.pulls.list({ owner, repo: 'merge', state: 'open' })).data.length, 0);
    assert.equal((await gh.pulls.list({ owner, repo: 'merge', state: 'all' })).data.length, 2);
  });

  it('sets and lists commit statuses, refusing unknown commits and long descriptions', async () => {
    const sha = (await emu.git.revParse('acme/app', 'main')) ?? '';
    const set = await gh.repos.createCommitStatus({
      owner,
      repo: 'app',
      sha,
      state: 'pending',
      context: 'dispatchd/deploy',
      description: 'planned',
    });
    assert.equal(set.status, 201);
    await gh.repos.createCommitStatus({
      owner,
      repo: 'app',
      sha,
      state: 'success',
      context: 'dispatchd/deploy',
      target_url: `${emu.url}/acme/gitops/pull/1`,
    });
    const list = await gh.repos.listCommitStatusesForRef({ owner, repo: 'app', ref: sha });
    assert.deepEqual(
      list.data.map((s) => s.state),
      ['success', 'pending'],
      'newest first',
    );
    const combined = await gh.repos.getCombinedStatusForRef({ owner, repo: 'app', ref: 'main' });
    assert.equal(combined.data.state, 'success');
    assert.deepEqual(
      emu.statuses('acme/app', sha).map((s) => s.state),
      ['pending', 'success'],
    );
    assert.equal(
      (await failure(gh.repos.createCommitStatus({ owner, repo: 'app', sha: 'f'.repeat(40), state: 'success' })))
        .status,
      422,
    );
    assert.equal(
      (
        await failure(
          gh.repos.createCommitStatus({ owner, repo: 'app', sha, state: 'failure', description: 'x'.repeat(141) }),
        )
      ).status,
      422,
    );
  });
});

describe('GitHub emulator: faults, latency and call counting', () => {
  let emu: GithubEmulator;
  let gh: Octokit;
  before(async () => {
    emu = await startGithubEmulator({ token: TOKEN });
    gh = new Octokit({ baseUrl: emu.apiUrl, auth: TOKEN, request: { retries: 0 } });
    await emu.git.createRepo('acme/app');
  });
  after(() => emu.close());

  it('injects 503, then 429 with Retry-After, then answers for real', async () => {
    emu.setFaults((call) => {
      if (call.route !== 'GET /repos/{owner}/{repo}') return undefined;
      if (call.n === 1) return { status: 503 };
      if (call.n === 2) return { status: 429, retryAfterSec: 2 };
      return undefined;
    });
    const first = await failure(gh.repos.get({ owner, repo: 'app' }));
    assert.equal(first.status, 503);
    const second = await failure(gh.repos.get({ owner, repo: 'app' }));
    assert.equal(second.status, 429);
    assert.equal(second.response?.headers['retry-after'], '2');
    assert.equal((await gh.repos.get({ owner, repo: 'app' })).status, 200);
    assert.equal(emu.count('GET /repos/{owner}/{repo}'), 3);
    assert.deepEqual(
      emu.calls.slice(-3).map((c) => c.status),
      [503, 429, 200],
    );
    emu.setFaults(undefined);
  });

  it('looks like an exhausted rate limit on a 403 with rateLimitReset', async () => {
    emu.setFaults(() => ({ status: 403, rateLimitReset: true, retryAfterSec: 30 }));
    const e = await failure(gh.repos.get({ owner, repo: 'app' }));
    emu.setFaults(undefined);
    assert.equal(e.status, 403);
    assert.equal(e.response?.headers['x-ratelimit-remaining'], '0');
    const reset = Number(e.response?.headers['x-ratelimit-reset']);
    assert.ok(
      reset >= Math.floor(Date.now() / 1000) + 25 && reset <= Math.floor(Date.now() / 1000) + 31,
      `reset ${reset}`,
    );
    assert.match((e.response?.data as { message: string }).message, /rate limit exceeded/);
  });

  it('draws a reproducible seeded schedule with never more than 3 faults in a row', () => {
    const draw = (seed: number): boolean[] => {
      const fn = seededFaults({ seed, rate: 0.3 });
      return Array.from(
        { length: 2000 },
        (_, i) => fn({ method: 'GET', route: 'r', n: i + 1, seq: i + 1 }) !== undefined,
      );
    };
    const a = draw(42);
    assert.deepEqual(draw(42), a, 'same seed, same schedule');
    assert.notDeepEqual(draw(43), a);
    const rate = a.filter(Boolean).length / a.length;
    assert.ok(rate > 0.2 && rate < 0.35, `fault rate ${rate}`);
    let run = 0;
    for (const f of a) {
      run = f ? run + 1 : 0;
      assert.ok(run <= 3);
    }
  });

  it('adds latency to API calls', async () => {
    emu.setLatency(150);
    const t0 = performance.now();
    await gh.repos.get({ owner, repo: 'app' });
    const took = performance.now() - t0;
    emu.setLatency(0);
    assert.ok(took >= 145, `took ${took} ms`);
  });
});

describe('GitHub emulator: git over smart HTTP', () => {
  it('lets git clone and push with the token and refuses it without', async () => {
    const emu = await startGithubEmulator({ token: TOKEN });
    const work = await mkdtemp(join(tmpdir(), 'gh-emu-git-'));
    try {
      await emu.git.createRepo('acme/gitops', { files: { 'staging/app.yaml': 'image: v1\n' } });
      const url = `${emu.url}/acme/gitops.git`;
      const header = ['-c', `http.extraHeader=Authorization: ${basicAuthorization('x-access-token', TOKEN)}`];
      const denied = await runGit(['clone', '--quiet', url, join(work, 'no')], { allowFail: true });
      assert.notEqual(denied.code, 0);
      const wrong = await runGit(
        [
          '-c',
          `http.extraHeader=Authorization: ${basicAuthorization('x-access-token', 'nope')}`,
          'clone',
          '--quiet',
          url,
          join(work, 'no2'),
        ],
        { allowFail: true },
      );
      assert.notEqual(wrong.code, 0);
      const dir = join(work, 'ok');
      await runGit([...header, 'clone', '--quiet', url, dir]);
      assert.equal(await readFile(join(dir, 'staging/app.yaml'), 'utf8'), 'image: v1\n');
      await writeFile(join(dir, 'staging/app.yaml'), 'image: v2\n');
      await runGit(['-c', 'user.name=d', '-c', 'user.email=d@example.test', 'commit', '--quiet', '-am', 'v2'], {
        cwd: dir,
      });
      await runGit([...header, 'push', '--quiet', 'origin', 'HEAD:refs/heads/dispatchd/env'], { cwd: dir });
      assert.equal(emu.git.pushes, 1);
      assert.equal(await emu.git.readFile('acme/gitops', 'dispatchd/env', 'staging/app.yaml'), 'image: v2\n');
      assert.equal(emu.count(), 0, 'git traffic is not counted as API calls');
    } finally {
      await emu.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('GitHub emulator: GitHub App installation tokens', () => {
  it('issues a token for a valid app JWT that the API and git accept until it expires', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = {
      private: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      public: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    let clock = Date.now();
    const emu = await startGithubEmulator({
      token: TOKEN,
      app: { id: '123', publicKeyPem: pem.public, installationId: 77, tokenTtlSec: 3600 },
      now: () => clock,
    });
    try {
      await emu.git.createRepo('acme/app');
      const appAuth = createAppAuth({
        appId: 123,
        privateKey: pem.private,
        request: new Octokit({ baseUrl: emu.apiUrl }).request,
      });
      const appClient = new Octokit({
        baseUrl: emu.apiUrl,
        authStrategy: createAppAuth,
        auth: { appId: 123, privateKey: pem.private },
      });
      const inst = await appClient.apps.getRepoInstallation({ owner, repo: 'app' });
      assert.equal(inst.data.id, 77);
      const { token } = await appAuth({ type: 'installation', installationId: 77 });
      assert.match(token, /^ghs_/);
      const viaToken = new Octokit({ baseUrl: emu.apiUrl, auth: token });
      assert.equal((await viaToken.repos.get({ owner, repo: 'app' })).status, 200);
      const pr = (await viaToken.pulls.list({ owner, repo: 'app' })).status;
      assert.equal(pr, 200);
      const git = await runGit([
        '-c',
        `http.extraHeader=Authorization: ${basicAuthorization('x-access-token', token)}`,
        'ls-remote',
        `${emu.url}/acme/app.git`,
      ]);
      assert.match(git.stdout, /refs\/heads\/main/);

      clock += 3601 * 1000;
      assert.equal(
        (await failure(viaToken.repos.get({ owner, repo: 'app' }))).status,
        401,
        'expired installation token',
      );

      const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
      const forged = createAppAuth({
        appId: 123,
        privateKey: other,
        request: new Octokit({ baseUrl: emu.apiUrl }).request,
      });
      const e = await failure(forged({ type: 'installation', installationId: 77, refresh: true }));
      assert.equal(e.status, 401);
      assert.equal(
        (
          await failure(
            new Octokit({ baseUrl: emu.apiUrl, auth: TOKEN }).apps.getRepoInstallation({ owner, repo: 'app' }),
          )
        ).status,
        401,
        'a PAT is not an app JWT',
      );
    } finally {
      await emu.close();
    }
  });
});

describe('GitHub emulator: webhook deliveries and redelivery', () => {
  it('sends signed deliveries, lists them, and redelivers one with the same GUID', async () => {
    const { createServer } = await import('node:http');
    const { createHmac } = await import('node:crypto');
    const received: { guid: string; event: string; signatureOk: boolean }[] = [];
    let answer = 503;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const expected = `sha256=${createHmac('sha256', 'hook-secret').update(body).digest('hex')}`;
        received.push({
          guid: String(req.headers['x-github-delivery']),
          event: String(req.headers['x-github-event']),
          signatureOk: req.headers['x-hub-signature-256'] === expected,
        });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    const emu = await startGithubEmulator({ token: TOKEN });
    try {
      await emu.git.createRepo('acme/app');
      const gh = new Octokit({ baseUrl: emu.apiUrl, auth: TOKEN });
      const hookId = emu.addHook('acme/app', { url: `http://127.0.0.1:${port}/hooks/github`, secret: 'hook-secret' });
      const failed = await emu.deliver('acme/app', hookId, { event: 'push', payload: { ref: 'refs/heads/staging' } });
      assert.equal(failed.statusCode, 503);
      emu.recordDelivery('acme/app', hookId, { event: 'push', payload: { ref: 'refs/heads/main' }, statusCode: 200 });

      const hooks = await gh.repos.listWebhooks({ owner, repo: 'app' });
      assert.deepEqual(
        hooks.data.map((h) => h.id),
        [hookId],
      );
      const list = await gh.repos.listWebhookDeliveries({ owner, repo: 'app', hook_id: hookId });
      assert.deepEqual(
        list.data.map((d) => d.status_code),
        [200, 503],
        'newest first',
      );
      const bad = list.data.find((d) => d.status_code === 503);
      assert.ok(bad !== undefined);
      assert.equal(bad.guid, failed.guid);

      answer = 202;
      const attempt = await gh.repos.redeliverWebhookDelivery({
        owner,
        repo: 'app',
        hook_id: hookId,
        delivery_id: bad.id,
      });
      assert.equal(attempt.status, 202);
      assert.deepEqual(
        received.map((r) => [r.guid, r.event, r.signatureOk]),
        [
          [failed.guid, 'push', true],
          [failed.guid, 'push', true],
        ],
      );
      const again = await gh.repos.listWebhookDeliveries({ owner, repo: 'app', hook_id: hookId, per_page: 1 });
      assert.equal(again.data.length, 1);
      assert.equal(again.data[0]?.redelivery, true);
      assert.equal(again.data[0]?.status_code, 202);
      assert.match(String(again.headers.link), /rel="next"/);
      assert.equal(emu.count('POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts'), 1);
    } finally {
      await emu.close();
      receiver.close();
    }
  });
});
