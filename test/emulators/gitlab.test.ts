import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Gitlab, GitbeakerRequestError } from '@gitbeaker/rest';
import { startGitlabEmulator, type GitlabEmulator } from './gitlab/emulator.js';
import { basicAuthorization } from './common/auth.js';
import { runGit } from './common/git/run-git.js';
import { createTag } from './common/git/write-commit.js';

const TOKEN = 'glpat-test-token';
const P = 'acme/platform/app';

type Api = InstanceType<typeof Gitlab<false>>;

interface Failure {
  status: number;
  description: string;
  body: string;
  headers: Headers;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GitbeakerRequestError && e.cause !== undefined) {
      const res = e.cause.response;
      return { status: res.status, description: e.cause.description, body: e.cause.description, headers: res.headers };
    }
    throw e;
  }
  assert.fail('expected the call to fail');
}

describe('GitLab emulator: REST API v4 through @gitbeaker/rest', { timeout: 120_000 }, () => {
  let emu: GitlabEmulator;
  let gl: Api;
  before(async () => {
    emu = await startGitlabEmulator({ token: TOKEN });
    gl = new Gitlab({ host: emu.url, token: TOKEN });
    await emu.git.createRepo(P, { files: { Dispatchfile: '#!yaml\n', 'deploy/app.yaml.tmpl': 'image: {{image}}\n' } });
  });
  after(() => emu.close());

  it('serves a nested-group project by URL-encoded path and by numeric id, with rate-limit headers', async () => {
    await emu.git.createRepo('acme/deep/er/trunky', { defaultBranch: 'trunk' });
    const byPath = await gl.Projects.show('acme/deep/er/trunky');
    assert.equal(byPath.default_branch, 'trunk');
    assert.equal(byPath.path_with_namespace, 'acme/deep/er/trunky');
    assert.equal(byPath.http_url_to_repo, `${emu.url}/acme/deep/er/trunky.git`);
    const byId = await gl.Projects.show(byPath.id);
    assert.equal(byId.path_with_namespace, 'acme/deep/er/trunky');
    const raw = await fetch(`${emu.apiUrl}/projects/${encodeURIComponent(P)}`, { headers: { 'private-token': TOKEN } });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('ratelimit-limit'), '2000');
    assert.ok(Number(raw.headers.get('ratelimit-remaining')) < 2000);
    const missing = await failure(gl.Projects.show('acme/nope'));
    assert.equal(missing.status, 404);
    assert.equal(missing.description, '404 Project Not Found');
  });

  it('takes PRIVATE-TOKEN or Bearer and refuses anything else with 401', async () => {
    const oauth = new Gitlab({ host: emu.url, oauthToken: TOKEN });
    assert.equal((await oauth.Projects.show(P)).path_with_namespace, P);
    const bad = await failure(new Gitlab({ host: emu.url, token: 'wrong' }).Projects.show(P));
    assert.equal(bad.status, 401);
    assert.equal(bad.description, '401 Unauthorized');
    const anon = await fetch(`${emu.apiUrl}/projects/${encodeURIComponent(P)}`);
    assert.equal(anon.status, 401);
    const basic = await fetch(`${emu.apiUrl}/projects/${encodeURIComponent(P)}`, {
      headers: { authorization: basicAuthorization('oauth2', TOKEN) },
    });
    assert.equal(basic.status, 401);
  });

  it('reads files raw and as base64 JSON at a ref; 404 File or Commit Not Found', async () => {
    const sha = await emu.git.commit(
      P,
      'main',
      { 'deploy/app.yaml.tmpl': 'image: {{image}}\nreplicas: 2\n' },
      'two replicas',
    );
    const raw = await gl.RepositoryFiles.showRaw(P, 'deploy/app.yaml.tmpl', sha);
    assert.equal(raw, 'image: {{image}}\nreplicas: 2\n');
    const older = await gl.RepositoryFiles.showRaw(P, 'deploy/app.yaml.tmpl', `${sha}~1`);
    assert.equal(older, 'image: {{image}}\n');
    const json = await gl.RepositoryFiles.show(P, 'deploy/app.yaml.tmpl', 'main');
    assert.equal(Buffer.from(json.content, 'base64').toString('utf8'), 'image: {{image}}\nreplicas: 2\n');
    assert.equal(json.commit_id, sha);
    assert.equal(json.last_commit_id, sha);
    assert.equal(json.file_name, 'app.yaml.tmpl');
    const noFile = await failure(gl.RepositoryFiles.showRaw(P, 'deploy/missing.yaml', 'main'));
    assert.deepEqual([noFile.status, noFile.description], [404, '404 File Not Found']);
    const noRef = await failure(gl.RepositoryFiles.showRaw(P, 'Dispatchfile', 'no-such-branch'));
    assert.deepEqual([noRef.status, noRef.description], [404, '404 Commit Not Found']);
    const dir = await failure(gl.RepositoryFiles.showRaw(P, 'deploy', 'main'));
    assert.equal(dir.status, 404);
  });

  it('compares from the merge base: added, modified, deleted and renamed files with their diffs', async () => {
    const C = 'acme/cmp';
    const base = await emu.git.createRepo(C, {
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'old/name.txt': 'same content here\nline two\nline three\n' },
    });
    await emu.git.commit(
      C,
      'cmp-head',
      {
        'a.txt': 'a2\n',
        'b.txt': null,
        'c.txt': 'c\n',
        'old/name.txt': null,
        'new/name.txt': 'same content here\nline two\nline three\n',
      },
      'change',
    );
    await emu.git.commit(C, 'main', { 'base-only.txt': 'moved on\n' }, 'base moves on');
    const cmp = await gl.Repositories.compare(C, 'main', 'cmp-head');
    const byPath = new Map((cmp.diffs ?? []).map((d) => [d.new_path, d]));
    assert.deepEqual([...byPath.keys()].sort(), ['a.txt', 'b.txt', 'c.txt', 'new/name.txt']);
    assert.equal(byPath.get('c.txt')?.new_file, true);
    assert.equal(byPath.get('b.txt')?.deleted_file, true);
    assert.equal(byPath.get('new/name.txt')?.renamed_file, true);
    assert.equal(byPath.get('new/name.txt')?.old_path, 'old/name.txt');
    assert.match(String(byPath.get('a.txt')?.diff), /^@@ .*\n-a\n\+a2\n/);
    assert.equal(cmp.commits?.length, 1);
    assert.equal(cmp.commits?.[0]?.title, 'change');
    // straight=true diffs the two commits directly, so base's newer file shows up as deleted.
    const straight = await gl.Repositories.compare(C, 'main', 'cmp-head', { straight: true });
    assert.ok((straight.diffs ?? []).some((d) => d.old_path === 'base-only.txt' && d.deleted_file));
    const unknown = await failure(gl.Repositories.compare(C, base, 'no-such-ref'));
    assert.equal(unknown.status, 404);
  });

  it(
    'shows one branch or tag by encoded name (tags peeled in commit, tag object in target), and merge_base',
    { timeout: 30_000 },
    async () => {
      const R = 'acme/refs';
      const base = await emu.git.createRepo(R);
      const head = await emu.git.commit(R, 'feature/x', { 'x.txt': 'x\n' });
      await createTag(emu.git.bareDir(R), 'v1', base, 'release one');
      const branch = await gl.Branches.show(R, 'feature/x');
      assert.deepEqual([branch.name, branch.commit.id, branch.default], ['feature/x', head, false]);
      assert.equal((await gl.Branches.show(R, 'main')).default, true);
      const tag = await gl.Tags.show(R, 'v1');
      assert.equal(tag.commit.id, base);
      assert.notEqual(tag.target, base, 'an annotated tag targets its tag object');
      assert.equal(tag.message, 'release one');
      assert.equal((await failure(gl.Branches.show(R, 'feature'))).description, '404 Branch Not Found');
      assert.equal((await failure(gl.Tags.show(R, 'v2'))).description, '404 Tag Not Found');
      const later = await emu.git.commit(R, 'main', { 'm.txt': 'm\n' });
      assert.equal((await gl.Repositories.mergeBase(R, [later, 'feature/x'])).id, base);
      assert.equal((await gl.Repositories.mergeBase(R, [base, later])).id, base);
      assert.equal((await gl.Commits.show(R, 'feature/x')).id, head);
      const unknown = await failure(gl.Repositories.mergeBase(R, ['main', 'ghost']));
      assert.deepEqual([unknown.status, unknown.description], [400, 'Could not find ref: ghost']);
      assert.equal((await failure(gl.Repositories.mergeBase(R, ['main']))).status, 400);
    },
  );

  it('creates, finds, edits, closes and reopens merge requests; a duplicate is 409 "already exists"', async () => {
    await emu.git.commit(P, 'feature/one', { 'deploy/app.yaml': 'image: one\n' }, 'one');
    const mr = await gl.MergeRequests.create(P, 'feature/one', 'main', 'Deploy one', { description: 'first' });
    assert.equal(mr.state, 'opened');
    assert.equal(mr.source_branch, 'feature/one');
    assert.equal(mr.target_branch, 'main');
    assert.equal(mr.web_url, `${emu.url}/${P}/-/merge_requests/${mr.iid}`);
    assert.equal(mr.detailed_merge_status, 'mergeable');
    assert.equal(mr.sha, await emu.git.revParse(P, 'feature/one'));

    const dup = await failure(gl.MergeRequests.create(P, 'feature/one', 'main', 'Deploy one again'));
    assert.equal(dup.status, 409);
    assert.match(dup.description, /Another open merge request already exists for this source branch: !\d+/);

    const found = await gl.MergeRequests.all({
      projectId: P,
      state: 'opened',
      sourceBranch: 'feature/one',
      targetBranch: 'main',
    });
    assert.deepEqual(
      found.map((m) => m.iid),
      [mr.iid],
    );
    assert.deepEqual(await gl.MergeRequests.all({ projectId: P, state: 'opened', sourceBranch: 'feature/none' }), []);

    const edited = await gl.MergeRequests.edit(P, mr.iid, { title: 'Deploy one (v2)', description: 'second' });
    assert.deepEqual([edited.title, edited.description], ['Deploy one (v2)', 'second']);
    const newer = await emu.git.commit(P, 'feature/one', { 'deploy/app.yaml': 'image: one-b\n' }, 'one b');
    assert.equal((await gl.MergeRequests.show(P, mr.iid)).sha, newer);
    assert.equal(emu.mergeRequests(P).find((m) => m.iid === mr.iid)?.sha, newer);

    await gl.MergeRequests.edit(P, mr.iid, { stateEvent: 'close' });
    assert.deepEqual(await gl.MergeRequests.all({ projectId: P, state: 'opened', sourceBranch: 'feature/one' }), []);
    const second = await gl.MergeRequests.create(P, 'feature/one', 'main', 'Deploy one, take two');
    const reopen = await failure(gl.MergeRequests.edit(P, mr.iid, { stateEvent: 'reopen' }));
    assert.equal(reopen.status, 409);
    assert.match(reopen.description, new RegExp(`already exists for this source branch: !${second.iid}`));

    const noBranch = await failure(gl.MergeRequests.create(P, 'feature/ghost', 'main', 'Ghost'));
    assert.equal(noBranch.status, 400);
    // GitLab sends validation messages as a list; gitbeaker passes it on as JSON text.
    assert.deepEqual(JSON.parse(noBranch.description), ['Source branch "feature/ghost" does not exist']);
    const noTitle = await fetch(`${emu.apiUrl}/projects/${encodeURIComponent(P)}/merge_requests`, {
      method: 'POST',
      headers: { 'private-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ source_branch: 'feature/one', target_branch: 'main' }),
    });
    assert.equal(noTitle.status, 400);
    assert.deepEqual(await noTitle.json(), { error: 'title is missing' });
  });

  it('pages merge request lists with x-total and Link headers that gitbeaker follows', async () => {
    await emu.git.createRepo('acme/many');
    for (let i = 0; i < 21; i += 1) {
      await emu.git.commit('acme/many', `b${i}`, { [`f${i}.txt`]: `${i}\n` }, `c${i}`);
      await gl.MergeRequests.create('acme/many', `b${i}`, 'main', `MR ${i}`);
    }
    const res = await fetch(`${emu.apiUrl}/projects/acme%2Fmany/merge_requests?state=opened`, {
      headers: { 'private-token': TOKEN },
    });
    assert.equal(((await res.json()) as unknown[]).length, 20);
    assert.equal(res.headers.get('x-total'), '21');
    assert.equal(res.headers.get('x-total-pages'), '2');
    assert.equal(res.headers.get('x-next-page'), '2');
    assert.match(res.headers.get('link') ?? '', /rel="next"/);
    const all = await gl.MergeRequests.all({ projectId: 'acme/many', state: 'opened' });
    assert.equal(all.length, 21);
    assert.equal(all[0]?.title, 'MR 20', 'newest first');
  });

  it('merges with PUT …/merge; refuses a closed MR with 405 and a conflicting one with 422', async () => {
    await emu.git.commit(P, 'feature/merge-me', { 'merged.txt': 'merged\n' }, 'to merge');
    const mr = await gl.MergeRequests.create(P, 'feature/merge-me', 'main', 'Merge me');
    const merged = await gl.MergeRequests.accept(P, mr.iid, { shouldRemoveSourceBranch: true });
    assert.equal(merged.state, 'merged');
    assert.equal(await emu.git.readFile(P, 'main', 'merged.txt'), 'merged\n');
    assert.equal(merged.merge_commit_sha, await emu.git.revParse(P, 'main'));
    assert.equal(await emu.git.revParse(P, 'feature/merge-me'), null, 'source branch removed');
    const again = await failure(gl.MergeRequests.accept(P, mr.iid));
    assert.equal(again.status, 405);

    await emu.git.commit(P, 'feature/clash', { 'clash.txt': 'theirs\n' }, 'clash');
    await emu.git.commit(P, 'main', { 'clash.txt': 'ours\n' }, 'clash on main');
    const clash = await gl.MergeRequests.create(P, 'feature/clash', 'main', 'Clash');
    assert.equal(clash.detailed_merge_status, 'conflict');
    assert.equal(clash.has_conflicts, true);
    const refused = await failure(gl.MergeRequests.accept(P, clash.iid));
    assert.deepEqual([refused.status, refused.description], [422, 'Branch cannot be merged']);
    assert.equal(await emu.git.readFile(P, 'main', 'clash.txt'), 'ours\n');
  });

  it('adds notes to a merge request and lists them', async () => {
    await emu.git.commit(P, 'feature/notes', { 'n.txt': 'n\n' }, 'notes');
    const mr = await gl.MergeRequests.create(P, 'feature/notes', 'main', 'Notes');
    const note = await gl.MergeRequestNotes.create(P, mr.iid, 'dispatchd: newer commit found');
    assert.equal(note.body, 'dispatchd: newer commit found');
    assert.equal(note.noteable_type, 'MergeRequest');
    await gl.MergeRequestNotes.create(P, mr.iid, 'second');
    const listed = await gl.MergeRequestNotes.all(P, mr.iid);
    assert.deepEqual(
      listed.map((n) => n.body),
      ['second', 'dispatchd: newer commit found'],
    );
    assert.deepEqual(
      emu.notes(P, mr.iid).map((n) => n.body),
      ['dispatchd: newer commit found', 'second'],
    );
    const missing = await failure(gl.MergeRequestNotes.create(P, 9999, 'x'));
    assert.deepEqual([missing.status, missing.description], [404, '404 Merge Request Not Found']);
  });

  it('sets commit statuses; the same state twice is 400 "Cannot transition status"', async () => {
    const sha = (await emu.git.revParse(P, 'main')) ?? '';
    const pending = await gl.Commits.editStatus(P, sha, 'pending', {
      name: 'dispatchd/deploy',
      description: 'queued',
      targetUrl: 'http://127.0.0.1/x',
    });
    assert.deepEqual([pending.status, pending.name, pending.sha], ['pending', 'dispatchd/deploy', sha]);
    const twice = await failure(gl.Commits.editStatus(P, sha, 'pending', { name: 'dispatchd/deploy' }));
    assert.equal(twice.status, 400);
    assert.match(twice.description, /Cannot transition status via :enqueue from :pending/);
    await gl.Commits.editStatus(P, sha, 'success', { name: 'dispatchd/deploy', description: 'PR !1' });
    await gl.Commits.editStatus(P, sha, 'failed', { name: 'dispatchd/other' });
    assert.deepEqual(
      emu.statuses(P, sha).map((s) => `${s.name}=${s.status}`),
      ['dispatchd/deploy=pending', 'dispatchd/deploy=success', 'dispatchd/other=failed'],
    );
    // The list shows the latest status per name unless all=true (GitLab's "not only the latest ones").
    assert.deepEqual(
      (await gl.Commits.allStatuses(P, sha)).map((s) => `${s.name}=${s.status}`),
      ['dispatchd/deploy=success', 'dispatchd/other=failed'],
    );
    assert.equal((await gl.Commits.allStatuses(P, sha, { all: true })).length, 3);
    const bad = await failure(gl.Commits.editStatus(P, '0'.repeat(40), 'success', { name: 'x' }));
    assert.deepEqual([bad.status, bad.description], [404, '404 Commit Not Found']);
  });

  it('serves git over smart HTTP on the same port with Basic oauth2:token', async () => {
    const work = await mkdtemp(join(tmpdir(), 'gitlab-emu-'));
    try {
      const header = (token: string): string[] => [
        '-c',
        `http.extraHeader=Authorization: ${basicAuthorization('oauth2', token)}`,
      ];
      await runGit([...header(TOKEN), 'clone', '--quiet', `${emu.url}/${P}.git`, join(work, 'c')]);
      assert.equal(await readFile(join(work, 'c', 'Dispatchfile'), 'utf8'), '#!yaml\n');
      await writeFile(join(work, 'c', 'pushed.txt'), 'pushed\n');
      const env = {
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      };
      await runGit(['add', '.'], { cwd: join(work, 'c') });
      await runGit(['commit', '--quiet', '-m', 'push'], { cwd: join(work, 'c'), env });
      await runGit([...header(TOKEN), 'push', '--quiet', 'origin', 'HEAD:refs/heads/pushed'], { cwd: join(work, 'c') });
      assert.equal(await emu.git.readFile(P, 'pushed', 'pushed.txt'), 'pushed\n');
      const denied = await runGit([...header('wrong'), 'ls-remote', `${emu.url}/${P}.git`], { allowFail: true });
      assert.notEqual(denied.code, 0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('injects faults (429 with Retry-After as plain text, 5xx), adds latency and counts calls by route', async () => {
    const route = 'GET /projects/{id}';
    const before = emu.count(route);
    emu.setFaults((c) =>
      c.route === route && c.n === before + 1
        ? { status: 429, retryAfterSec: 7 }
        : c.route === route && c.n === before + 2
          ? { status: 503 }
          : undefined,
    );
    const url = `${emu.apiUrl}/projects/${encodeURIComponent(P)}`;
    const limited = await fetch(url, { headers: { 'private-token': TOKEN } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(await limited.text(), 'Retry later\n');
    const down = await failure(new Gitlab({ host: emu.url, token: TOKEN }).Projects.show(P));
    assert.equal(down.status, 503);
    emu.setFaults(undefined);
    emu.setLatency(150);
    const started = Date.now();
    await gl.Projects.show(P);
    assert.ok(Date.now() - started >= 140, 'latency applied');
    emu.setLatency(0);
    assert.equal(emu.count(route), before + 3);
    assert.deepEqual(
      emu.calls
        .filter((c) => c.route === route)
        .slice(-3)
        .map((c) => c.status),
      [429, 503, 200],
    );
  });
});
