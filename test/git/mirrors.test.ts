import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMirrors, revParse } from '../../src/git/mirrors.js';
import { git } from '../../src/git/run.js';
import type { GitRemote } from '../../src/git/remote.js';
import { reusableSince, PREFETCH_MAX_AGE_MS } from '../../src/gitops/prefetch.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const REPO = 'acme/gitops';

const graph = (dir: string) =>
  stat(join(dir, 'objects', 'info', 'commit-graphs', 'commit-graph-chain')).then(
    () => true,
    () => false,
  );

describe('mirrors: a fetch started late enough is taken, not repeated', { timeout: 60_000 }, () => {
  let server: GitServer;
  let dataDir: string;
  let remote: GitRemote;
  let refuse = false;

  before(async () => {
    server = await startGitServer({ auth: () => !refuse });
    await server.createRepo(REPO, { files: { 'a.txt': '1\n' } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-mirrors-'));
    remote = { url: `${server.url}/${REPO}.git`, headers: {} };
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a running fetch that started after `startedSince` is joined; one that started before is not', async () => {
    let clock = 1_000;
    const mirrors = createMirrors(join(dataDir, 'a'), () => clock);
    const fetches = server.fetches;
    const first = mirrors.fetch(remote);
    const joined = await mirrors.fetch(remote, { startedSince: 1_000 });
    assert.equal(await first, joined);
    assert.equal(server.fetches - fetches, 1, 'one fetch served both');

    // A commit lands after that fetch: an update asking for a fetch from later must see it.
    const sha = await server.commit(REPO, 'main', { 'a.txt': '2\n' }, 'later');
    clock = 2_000;
    const dir = await mirrors.fetch(remote, { startedSince: 1_500 });
    assert.equal(server.fetches - fetches, 2, 'the older fetch was not taken');
    assert.equal(await revParse(dir, 'refs/heads/main'), sha);
  });

  it('a fetch of some branches downloads no other branch, and serves only asks it covers', async () => {
    let clock = 10_000;
    const mirrors = createMirrors(join(dataDir, 'c'), () => clock);
    const theirs = await server.commit(REPO, 'other-team', { 'big.bin': 'x'.repeat(100_000) }, 'not ours');
    await server.commit(REPO, 'dispatchd/github/acme/app/staging', { 'a.txt': 'head\n' }, 'our head');
    const fetches = server.fetches;
    const dir = await mirrors.fetch(remote, { branches: ['main', 'dispatchd/github/acme/app/'] });
    assert.equal(await revParse(dir, 'refs/heads/main'), await server.revParse(REPO, 'main'));
    assert.ok(await revParse(dir, 'refs/heads/dispatchd/github/acme/app/staging'), 'the namespace came');
    assert.equal(await revParse(dir, 'refs/heads/other-team'), null, 'no ref for the other branch');
    assert.equal(await revParse(dir, theirs), null, 'nor its objects');

    clock = 10_500;
    await mirrors.fetch(remote, { startedSince: 10_000, branches: ['main', 'dispatchd/github/acme/app/staging'] });
    assert.equal(server.fetches - fetches, 1, 'covered: taken');
    await mirrors.fetch(remote, { startedSince: 10_000, branches: ['release'] });
    assert.equal(server.fetches - fetches, 2, 'another branch: fetched');
    await mirrors.fetch(remote, { startedSince: 10_000 });
    assert.equal(server.fetches - fetches, 3, 'every branch: fetched');
    assert.equal(await revParse(dir, 'refs/heads/other-team'), theirs);
  });

  it("a fetch of some branches leaves git's housekeeping for a few seconds later", async () => {
    const mirrors = createMirrors(join(dataDir, 'd'));
    const dir = await mirrors.fetch(remote);
    // Housekeeping that always leaves a mark: a commit-graph as soon as one commit lacks it.
    await git(['config', 'maintenance.commit-graph.enabled', 'true'], { cwd: dir });
    await git(['config', 'maintenance.commit-graph.auto', '1'], { cwd: dir });
    await server.commit(REPO, 'main', { 'a.txt': 'housekeeping\n' }, 'more');
    await mirrors.fetch(remote, { branches: ['main'] });
    assert.equal(await graph(dir), false, 'the fetch returned before any housekeeping');
    const deadline = Date.now() + 20_000;
    while (!(await graph(dir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await graph(dir), true, 'the housekeeping followed');
  });

  it('onlyIfIdle: nothing while another fetch of the mirror runs', async () => {
    const mirrors = createMirrors(join(dataDir, 'e'));
    const fetches = server.fetches;
    const running = mirrors.fetch(remote);
    await mirrors.fetch(remote, { onlyIfIdle: true, branches: ['main'] });
    await running;
    assert.equal(server.fetches - fetches, 1, 'the idle-only fetch did not run');
    await mirrors.fetch(remote, { onlyIfIdle: true, branches: ['main'] });
    assert.equal(server.fetches - fetches, 2, 'idle again: it runs');
  });

  it('a fetch that failed is never taken: the next one fetches itself', async () => {
    const mirrors = createMirrors(join(dataDir, 'b'), () => 5_000);
    refuse = true;
    await assert.rejects(mirrors.fetch(remote), /git fetch failed|Authentication|401|could not read/i);
    refuse = false;
    const fetches = server.fetches;
    const dir = await mirrors.fetch(remote, { startedSince: 5_000 });
    assert.equal(server.fetches - fetches, 1);
    assert.equal(await revParse(dir, 'refs/heads/main'), await server.revParse(REPO, 'main'));
  });

  it('an update takes a fetch that started after its plan began and at most PREFETCH_MAX_AGE_MS before it', () => {
    const now = 1_000_000;
    assert.equal(reusableSince(now - 300, now), now - 300, 'started after the plan began');
    assert.equal(
      reusableSince(now - 60_000, now),
      now - PREFETCH_MAX_AGE_MS,
      'and recent: a held update fetches afresh',
    );
  });
});
