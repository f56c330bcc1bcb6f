import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyUpdate } from '../../src/gitops/apply.js';
import { startDirectRig, type DirectRig } from './direct-rig.js';
import { APP, GITOPS } from './rig.js';

describe('a fetch taken from the plan never decides to push nothing', { timeout: 120_000 }, () => {
  let rig: DirectRig;
  let gh: DirectRig['gh'];
  let HEAD: string;

  before(async () => {
    rig = await startDirectRig('rf');
    ({ gh, head: HEAD } = rig);
  });
  after(async () => {
    await rig?.close();
  });
  const spec = (seq: number, sha: string) => rig.spec(seq, sha);
  const worker = (name: string, clock?: () => number) => rig.worker(name, clock);

  it('same as the head in a stale mirror: fetched again, and the newer update another worker made is kept', async () => {
    const c1 = await gh.git.commit(APP, 'rf', { VERSION: '1\n' }, 'v1');
    // Worker A's clock runs far ahead: every fetch it made counts as recent enough to take.
    const a = worker('a', () => Date.now() + 3_600_000);
    assert.equal((await applyUpdate(a.deps, 'env-rf', spec(1, c1))).outcome, 'updated');
    // A's plan of a redelivered c1 has fetched (as the prefetch does)…
    const remote = await a.deps.providers.for('github').gitRemote(GITOPS);
    await a.real.fetch(remote, { branches: ['main', `dispatchd/github/${APP}/`, `dispatchd/${APP}/`] });
    // …when worker B applies the newer c2 to the same environment.
    const c2 = await gh.git.commit(APP, 'rf', { VERSION: '2\n' }, 'v2');
    const b = worker('b');
    assert.equal((await applyUpdate(b.deps, 'env-rf', spec(2, c2))).outcome, 'updated');
    const bodyAfterB = gh.pulls(GITOPS).find((p) => p.state === 'open')?.body;

    a.reuses.length = 0;
    const again = await applyUpdate(a.deps, 'env-rf', spec(3, c1));
    assert.deepEqual(a.reuses, [true, false], 'the stale fetch was taken, then the decision checked from a fresh one');
    assert.deepEqual(again, { outcome: 'superseded', branch: HEAD, carried: c2 });
    assert.match(
      (await gh.git.readFile(GITOPS, HEAD, 'rf/application.yaml')) ?? '',
      new RegExp(`reg/app:${c2.slice(0, 7)}`),
    );
    assert.equal(gh.pulls(GITOPS).find((p) => p.state === 'open')?.body, bodyAfterB, 'the PR still describes c2');
  });

  it('a push of this process ends: no fetch that started before it is taken', async () => {
    let clock = 1_000;
    const { real: mirrors, deps } = worker('c', () => clock);
    const remote = await deps.providers.for('github').gitRemote(GITOPS);
    await mirrors.fetch(remote, { branches: ['main'] });
    clock = 2_000;
    await mirrors.writing(remote, async () => undefined);
    clock = 2_500;
    assert.equal((await mirrors.fetchFor(remote, { startedSince: 0, branches: ['main'] })).reused, false);
    assert.equal((await mirrors.fetchFor(remote, { startedSince: 0, branches: ['main'] })).reused, true);
  });

  it('the base moved since the mirror last saw it: the worktree checked out during the fetch is replaced', async () => {
    const w = worker('d');
    const c1 = await gh.git.commit(APP, 'rf', { VERSION: '3\n' }, 'v3');
    assert.equal((await applyUpdate(w.deps, 'env-rf', spec(10, c1))).outcome, 'updated');
    // A reviewer merges something else into the GitOps base: w's mirror still holds the old base,
    // so the update checks that out while it fetches, then finds the new one.
    const moved = await gh.git.commit(GITOPS, 'main', { 'notes/merged.txt': 'merged meanwhile\n' }, 'merged');
    const c2 = await gh.git.commit(APP, 'rf', { VERSION: '4\n' }, 'v4');
    assert.equal((await applyUpdate(w.deps, 'env-rf', spec(11, c2))).outcome, 'updated');
    assert.equal(
      await gh.git.readFile(GITOPS, HEAD, 'notes/merged.txt'),
      'merged meanwhile\n',
      'the commit sits on the new base',
    );
    assert.deepEqual(
      (await gh.git.changedPaths(GITOPS, moved, HEAD)).map((c) => c.path),
      ['rf/application.yaml'],
      'against the new base, the update changes only its own file',
    );
  });
});
