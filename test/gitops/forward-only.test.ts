import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyUpdate } from '../../src/gitops/apply.js';
import { startDirectRig, type DirectRig } from './direct-rig.js';
import { APP, GITOPS } from './rig.js';

const COMPARE = 'GET /repos/{owner}/{repo}/compare/{basehead}';
const TIP = 'GET /repos/{owner}/{repo}/git/ref/{ref}';

describe('forward only: the tip moves the environment without an ancestry question', { timeout: 120_000 }, () => {
  let rig: DirectRig;
  let gh: DirectRig['gh'];
  let deps: Parameters<typeof applyUpdate>[0];

  before(async () => {
    rig = await startDirectRig('fo');
    gh = rig.gh;
    deps = rig.worker('w').deps;
  });
  after(async () => {
    await rig?.close();
  });

  const spec = (seq: number, sha: string) => rig.spec(seq, sha);
  /** What one update asked the source SCM: compares and tip reads. */
  async function asked(run: () => Promise<unknown>): Promise<{ compares: number; tips: number; result: unknown }> {
    const before = gh.calls.length;
    const result = await run();
    const calls = gh.calls.slice(before);
    return {
      compares: calls.filter((c) => c.route === COMPARE).length,
      tips: calls.filter((c) => c.route === TIP).length,
      result,
    };
  }
  const head = () => gh.git.readFile(GITOPS, `dispatchd/github/${APP}/fo`, 'fo/application.yaml');

  it('the tip: one tip read, no compare; a descendant that is not the tip: compared; an older commit: compared and refused', async () => {
    const c1 = await gh.git.commit(APP, 'fo', { VERSION: '1\n' }, 'v1');
    const first = await asked(() => applyUpdate(deps, 'env-fo', spec(1, c1)));
    assert.equal((first.result as { outcome: string }).outcome, 'updated');

    const c2 = await gh.git.commit(APP, 'fo', { VERSION: '2\n' }, 'v2');
    const c3 = await gh.git.commit(APP, 'fo', { VERSION: '3\n' }, 'v3');
    // c2 descends from the c1 the environment carries, but the ref has moved on to c3.
    const descendant = await asked(() => applyUpdate(deps, 'env-fo', spec(2, c2)));
    assert.equal((descendant.result as { outcome: string }).outcome, 'updated');
    assert.equal(descendant.compares, 1, 'not the tip: ancestry asked');
    assert.match((await head()) ?? '', new RegExp(`reg/app:${c2.slice(0, 7)}`));

    const tip = await asked(() => applyUpdate(deps, 'env-fo', spec(3, c3)));
    assert.equal((tip.result as { outcome: string }).outcome, 'updated');
    assert.equal(tip.compares, 0, 'the tip needs no ancestry question');
    assert.equal(tip.tips, 1, 'one tip read, beside the fetch');
    assert.match((await head()) ?? '', new RegExp(`reg/app:${c3.slice(0, 7)}`));

    // c2 again, after c3: an ancestor of what the environment carries, and not the tip.
    const older = await asked(() => applyUpdate(deps, 'env-fo', spec(4, c2)));
    assert.deepEqual(older.result, { outcome: 'superseded', branch: `dispatchd/github/${APP}/fo`, carried: c3 });
    assert.equal(older.compares, 1);
    assert.match((await head()) ?? '', new RegExp(`reg/app:${c3.slice(0, 7)}`), 'the environment stays on the tip');
  });
});
