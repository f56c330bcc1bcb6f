import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyUpdate } from '../../src/gitops/apply.js';
import { startDirectRig, type DirectRig } from './direct-rig.js';
import { APP } from './rig.js';

interface Trace2Event {
  event: string;
  sid: string;
  name?: string;
  argv?: string[];
}

/**
 * The git processes an update runs on its way to the push, as git's own trace2 events say
 * (`trace2.eventTarget` in the global config of a HOME made for this test): the commit must not
 * wait for `git maintenance run --auto`, which `git commit` starts by default.
 */
describe('the update commits without waiting for git maintenance', { timeout: 120_000 }, () => {
  let rig: DirectRig;
  let home: string;
  let events: string;
  const realHome = process.env.HOME;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'dispatchd-trace2-'));
    events = join(home, 'trace2.jsonl');
    await writeFile(join(home, '.gitconfig'), `[trace2]\n\teventTarget = ${events}\n`);
    // git() passes HOME through to every git process (src/git/run.ts): they all read this config.
    process.env.HOME = home;
    rig = await startDirectRig('cm');
  });
  after(async () => {
    process.env.HOME = realHome;
    await rig?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('no `git commit` starts a maintenance run', async () => {
    const c1 = await rig.gh.git.commit(APP, 'cm', { VERSION: '1\n' }, 'v1');
    assert.equal((await applyUpdate(rig.worker('w').deps, 'env-cm', rig.spec(1, c1))).outcome, 'updated');
    const all = (await readFile(events, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Trace2Event);
    const commits = new Set(all.filter((e) => e.event === 'cmd_name' && e.name === 'commit').map((e) => e.sid));
    assert.ok(commits.size >= 1, 'the trace saw the update commit');
    const started = all
      .filter((e) => e.event === 'child_start' && commits.has(e.sid))
      .map((e) => (e.argv ?? []).join(' '));
    assert.deepEqual(
      started.filter((a) => a.includes('maintenance')),
      [],
      `children of git commit: ${started.join('; ')}`,
    );
  });
});
