import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';

const TOKEN = 'ghp_retry_after_gate_token';
const REPO = 'acme/gitops';

/** Through the real GitHub provider and the emulator: a Retry-After closes the host to this process. */
describe('retry-after gate', { timeout: 60_000 }, () => {
  let gh: GithubEmulator;
  let dir: string;
  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(REPO, { files: { 'README.md': '# gitops\n' } });
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-gate-'));
  });
  after(async () => {
    await gh?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after a 429 with Retry-After, no call reaches the host until then; then calls go out again', async () => {
    let clock = 1_000_000;
    const providers = createProviders(
      parseConfig(
        `hosts:\n  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: s }\nrepositories: []\ndataDir: ${dir}\n`,
        {},
      ),
      createMirrors(dir),
      { now: () => clock, defaultBranchTtlMs: 0 },
    );
    const github = providers.for('github');
    let refused = 0;
    gh.setFaults(() => (refused++ === 0 ? { status: 429, retryAfterSec: 30 } : undefined));
    try {
      const before = gh.calls.length;
      await assert.rejects(github.refTip(REPO, 'refs/heads/main'), (err: Error & { retryAfterMs?: number }) => {
        assert.equal(err.retryAfterMs, 30_000);
        return true;
      });
      assert.equal(gh.calls.length - before, 1);
      // Another method, and the pull-request part: refused at once, nothing sent.
      clock += 10_000;
      await assert.rejects(github.defaultBranch(REPO), (err: Error & { code?: string; retryAfterMs?: number }) => {
        assert.equal(err.code, 'scm_rate_limited');
        assert.equal(err.retryAfterMs, 20_000, 'the time left');
        assert.match(err.message, /github asked for a wait \(Retry-After\): no call to it for another 20 s/);
        return true;
      });
      await assert.rejects(github.pulls!.findPullRequest(REPO, 'x', 'main'), /asked for a wait/);
      assert.equal(gh.calls.length - before, 1, 'nothing reached the SCM while it asked for a wait');
      clock += 20_001;
      assert.equal(await github.defaultBranch(REPO), 'main');
      assert.equal(gh.calls.length - before, 2);
    } finally {
      gh.setFaults(undefined);
    }
  });
});
