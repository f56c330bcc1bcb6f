import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';

const TOKEN = 'ghp_default_branch_cache_token';
const ROUTE = 'GET /repos/{owner}/{repo}';

/** The default branch is asked once per TTL, through the real GitHub provider and the emulator. */
describe('default branch cache', () => {
  let gh: GithubEmulator;
  let dir: string;
  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo('acme/gitops', { files: { 'README.md': '# gitops\n' } });
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-dbc-'));
  });
  after(async () => {
    await gh?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const providers = (ttlMs: number, now: () => number) =>
    createProviders(
      parseConfig(
        `
hosts:
  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: s }
repositories: []
dataDir: ${dir}
`,
        {},
      ),
      createMirrors(dir),
      { defaultBranchTtlMs: ttlMs, now },
    );

  it('answers from the cache within the TTL, asks again after it or once forgotten', async () => {
    let clock = 0;
    const p = providers(60_000, () => clock);
    const before = gh.count(ROUTE);
    const [a, b] = await Promise.all([
      p.for('github').defaultBranch('acme/gitops'),
      p.for('github').defaultBranch('acme/gitops'),
    ]);
    assert.deepEqual([a, b], ['main', 'main']);
    assert.equal(await p.for('github').defaultBranch('acme/gitops'), 'main');
    assert.equal(gh.count(ROUTE) - before, 1, 'concurrent and later askers share one call');
    clock += 60_000;
    await p.for('github').defaultBranch('acme/gitops');
    assert.equal(gh.count(ROUTE) - before, 2, 'asked again once the TTL passed');
    p.forgetDefaultBranch('github', 'acme/gitops');
    await p.for('github').defaultBranch('acme/gitops');
    assert.equal(gh.count(ROUTE) - before, 3, 'asked again once forgotten');
  });

  it('TTL 0 keeps nothing', async () => {
    const p = providers(0, Date.now);
    const before = gh.count(ROUTE);
    await p.for('github').defaultBranch('acme/gitops');
    await p.for('github').defaultBranch('acme/gitops');
    assert.equal(gh.count(ROUTE) - before, 2);
  });
});
