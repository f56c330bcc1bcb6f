import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runGit } from '../emulators/common/git/run-git.js';
import { startGitServer, type GitServer } from './git-server.js';

const ID = ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.test'];

describe('git server over smart HTTP', () => {
  let server: GitServer;
  let work: string;
  before(async () => {
    server = await startGitServer();
    work = await mkdtemp(join(tmpdir(), 'git-server-test-'));
  });
  after(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves a created repository to git clone with its files and history', async () => {
    const sha = await server.createRepo('acme/app', {
      files: { 'a.txt': 'one\n', 'dir/b.txt': 'two\n' },
      message: 'first',
    });
    const dir = join(work, 'clone1');
    await runGit(['clone', '--quiet', `${server.url}/acme/app.git`, dir]);
    assert.equal(await readFile(join(dir, 'dir/b.txt'), 'utf8'), 'two\n');
    assert.equal((await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim(), sha);
    const log = await server.log('acme/app', 'main');
    assert.deepEqual(
      log.map((l) => l.message),
      ['first'],
    );
    assert.deepEqual(await server.branches('acme/app'), ['main']);
  });

  it('records plumbing commits that a fetch sees, and reports what changed', async () => {
    await server.createRepo('acme/changes', {
      files: { 'keep.txt': 'k\n', 'old.txt': 'same content here\n', 'gone.txt': 'x\n' },
    });
    const base = await server.revParse('acme/changes', 'main');
    assert.ok(base !== null);
    const head = await server.commit(
      'acme/changes',
      'feature',
      { 'keep.txt': 'k2\n', 'gone.txt': null, 'new.txt': 'n\n', 'old.txt': null, 'moved.txt': 'same content here\n' },
      'change things',
      { name: 'Ann', email: 'ann@example.test' },
    );
    assert.equal(await server.revParse('acme/changes', 'feature'), head);
    assert.equal(
      await server.revParse('acme/changes', 'main'),
      base,
      'a new branch starts from main without moving it',
    );
    assert.equal(await server.readFile('acme/changes', 'feature', 'keep.txt'), 'k2\n');
    assert.equal(await server.readFile('acme/changes', 'feature', 'gone.txt'), null);
    assert.equal(await server.readFile('acme/changes', 'nope', 'keep.txt'), null);
    const [entry] = await server.log('acme/changes', 'feature', 1);
    assert.equal(entry?.author, 'Ann <ann@example.test>');
    const changes = await server.changedPaths('acme/changes', 'main', 'feature');
    assert.deepEqual(
      changes.sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: 'gone.txt', status: 'removed' },
        { path: 'keep.txt', status: 'modified' },
        { path: 'moved.txt', status: 'renamed' },
        { path: 'new.txt', status: 'added' },
      ],
    );
    const dir = join(work, 'clone2');
    await runGit(['clone', '--quiet', '--branch', 'feature', `${server.url}/acme/changes.git`, dir]);
    assert.equal(await readFile(join(dir, 'new.txt'), 'utf8'), 'n\n');
    await server.deleteBranch('acme/changes', 'feature');
    assert.deepEqual(await server.branches('acme/changes'), ['main']);
  });

  it('accepts git push, counts it, and serves the pushed commit', async () => {
    await server.createRepo('acme/push', { defaultBranch: 'trunk' });
    const dir = join(work, 'clone3');
    await runGit(['clone', '--quiet', `${server.url}/acme/push.git`, dir]);
    await writeFile(join(dir, 'pushed.txt'), 'from a client\n');
    await runGit(['add', '.'], { cwd: dir });
    await runGit([...ID, 'commit', '--quiet', '-m', 'client commit'], { cwd: dir });
    const before = server.pushes;
    await runGit(['push', '--quiet', 'origin', 'HEAD:trunk', 'HEAD:refs/heads/other'], { cwd: dir });
    assert.equal(server.pushes, before + 1, 'one git push is one receive-pack POST');
    assert.equal(await server.readFile('acme/push', 'trunk', 'pushed.txt'), 'from a client\n');
    assert.deepEqual((await server.branches('acme/push')).sort(), ['other', 'trunk']);
    // A rename in a client is seen as a rename by changedPaths.
    await rename(join(dir, 'pushed.txt'), join(dir, 'renamed.txt'));
    await runGit(['add', '-A'], { cwd: dir });
    await runGit([...ID, 'commit', '--quiet', '-m', 'rename'], { cwd: dir });
    await runGit(['push', '--quiet', 'origin', 'HEAD:other'], { cwd: dir });
    assert.equal(server.pushes, before + 2);
    assert.deepEqual(await server.changedPaths('acme/push', 'trunk', 'other'), [
      { path: 'renamed.txt', status: 'renamed' },
    ]);
  });

  it('answers 404 for a repository that does not exist', async () => {
    const run = await runGit(['ls-remote', `${server.url}/acme/missing.git`], { allowFail: true });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /not found|404/i);
  });

  it('un-gzips request bodies as git clients send them', async () => {
    const sha = await server.createRepo('acme/gzip');
    const body = gzipSync(Buffer.from('0014command=ls-refs\n0000'));
    const text = await post(`${server.url}/acme/gzip.git/git-upload-pack`, body, {
      'content-type': 'application/x-git-upload-pack-request',
      'content-encoding': 'gzip',
      'git-protocol': 'version=2',
    });
    assert.equal(text.status, 200);
    assert.match(text.body, new RegExp(`${sha} refs/heads/main`));
  });

  it('serves nested group paths', async () => {
    const sha = await server.createRepo('group/sub/app');
    const run = await runGit(['ls-remote', `${server.url}/group/sub/app.git`]);
    assert.match(run.stdout, new RegExp(`${sha}\\s+refs/heads/main`));
  });
});

describe('git server with auth', () => {
  it('refuses clone and push without the credential and allows them with it', async () => {
    const header = `Basic ${Buffer.from('x-access-token:s3cret').toString('base64')}`;
    const server = await startGitServer({ auth: (a, fullName) => a === header && fullName === 'acme/private' });
    const work = await mkdtemp(join(tmpdir(), 'git-server-auth-'));
    try {
      await server.createRepo('acme/private');
      const url = `${server.url}/acme/private.git`;
      const denied = await runGit(['clone', '--quiet', url, join(work, 'x')], { allowFail: true });
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /401|Authentication failed|could not read Username/i);
      const dir = join(work, 'ok');
      await runGit(['-c', `http.extraHeader=Authorization: ${header}`, 'clone', '--quiet', url, dir]);
      await writeFile(join(dir, 'f.txt'), 'x\n');
      await runGit(['add', '.'], { cwd: dir });
      await runGit([...ID, 'commit', '--quiet', '-m', 'x'], { cwd: dir });
      const noAuthPush = await runGit(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: dir, allowFail: true });
      assert.notEqual(noAuthPush.code, 0);
      await runGit(['-c', `http.extraHeader=Authorization: ${header}`, 'push', '--quiet', 'origin', 'HEAD:main'], {
        cwd: dir,
      });
      assert.equal(server.pushes, 1);
      assert.equal(await server.readFile('acme/private', 'main', 'f.txt'), 'x\n');
    } finally {
      await server.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
