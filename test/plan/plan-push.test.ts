import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { PushEvent } from '../../src/core/push-event.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { planPush } from '../../src/plan/plan-push.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { pushEvent } from '../helpers/push-event.js';

const TOKEN = 'ghp_plan_push_token_0123456789';

/** The planner against the GitHub emulator: what it plans is the ref's tip, read from the SCM. */
describe('planPush reads the tip and says why it plans nothing', { timeout: 60_000 }, () => {
  let gh: GithubEmulator;
  let dataDir: string;
  const event = (repo: string, ref: string, after: string, before = '0'.repeat(40)): PushEvent =>
    pushEvent({ repo, base: gh.url, ref, before, after, deliveryId: `d-${after.slice(0, 6)}`, pusher: 'alice' });

  const provider = () => {
    const config = parseConfig(
      `hosts:\n  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: s}\ndataDir: ${dataDir}\n`,
      {},
    );
    return { config, provider: createProviders(config, createMirrors(dataDir)).for('github') };
  };

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo('acme/app', { files: { VERSION: '1\n' } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-plan-'));
  });
  after(async () => {
    await gh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a repository the token cannot see fails saying so, instead of "nothing to deploy"', async () => {
    const { config, provider: p } = provider();
    await assert.rejects(
      planPush(config, event('acme/ghost', 'refs/heads/main', 'a'.repeat(40)), 1, p),
      /not found, or the token cannot see it/,
    );
  });

  it('a deleted ref deploys nothing and says so', async () => {
    const { config, provider: p } = provider();
    const plan = await planPush(config, event('acme/app', 'refs/heads/gone', 'b'.repeat(40)), 1, p);
    assert.match(plan.skipped ?? '', /refs\/heads\/gone no longer exists in acme\/app/);
  });

  it('an older push is planned as the tip; a commit off the ref is not planned at all', async () => {
    const { config, provider: p } = provider();
    const old = await gh.git.commit('acme/app', 'main', { VERSION: '2\n' }, 'v2');
    const tip = await gh.git.commit('acme/app', 'main', { VERSION: '3\n' }, 'v3');
    const late = await planPush(config, event('acme/app', 'refs/heads/main', old), 1, p);
    assert.equal(late.commit, tip);
    const side = await gh.git.commit('acme/app', 'side', { VERSION: 'x\n' }, 'side');
    const ahead = await planPush(config, event('acme/app', 'refs/heads/main', side), 1, p);
    assert.match(ahead.skipped ?? '', /the commit is ahead of the tip/);
    await gh.git.commit('acme/app', 'main', { VERSION: '4\n' }, 'v4');
    const forged = await planPush(config, event('acme/app', 'refs/heads/main', side), 1, p);
    assert.equal(forged.commit, undefined);
    assert.match(forged.skipped ?? '', /is not on refs\/heads\/main of acme\/app .*on another line of history/);
  });

  it('a Dispatchfile over dispatchfileMaxBytes is refused naming the limit', async () => {
    const config = parseConfig(
      `hosts:\n  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: s}\ndataDir: ${dataDir}\ndispatchfileMaxBytes: 200\n`,
      {},
    );
    const p = createProviders(config, createMirrors(dataDir)).for('github');
    const sha = await gh.git.commit(
      'acme/app',
      'big',
      { Dispatchfile: `#!yaml\n# ${'x'.repeat(300)}\nactions: []\n` },
      'big',
    );
    await assert.rejects(
      planPush(config, event('acme/app', 'refs/heads/big', sha), 1, p),
      /over the .*200 bytes.* limit/,
    );
  });
});
