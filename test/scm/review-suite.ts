import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PermanentError } from '../../src/core/errors.js';
import type { ScmProvider } from '../../src/scm/contracts.js';
import type { GitServer } from '../helpers/git-server.js';
import { TIMEOUT } from './ref-suite.js';

/**
 * commitChecks and getPullRequest as every SCM with an API must answer them, against its
 * emulator on real commits. The statuses are written through the provider's own setStatus, as
 * dispatchd and a team's CI do.
 */
export interface ReviewRig {
  scm: ScmProvider;
  git: GitServer;
  /** A repository name not used by any other test in the file. */
  repo: string;
}

export function commitChecksAndPullRequestTests(rig: () => ReviewRig): void {
  it('commitChecks is empty on a commit nobody reported on', TIMEOUT, async () => {
    const { scm, git, repo } = rig();
    await git.createRepo(repo, { files: { 'README.md': 'review\n' } });
    const sha = (await git.revParse(repo, 'main')) ?? '';
    assert.deepEqual(await scm.commitChecks(repo, sha), []);
  });

  it('commitChecks gives the newest status per context, with state, description and link', TIMEOUT, async () => {
    const { scm, git, repo } = rig();
    const sha = await git.commit(repo, 'main', { 'a.txt': 'checks\n' }, 'checked commit');
    const other = await git.commit(repo, 'other', { 'b.txt': 'elsewhere\n' }, 'another commit');
    const link = 'https://ci.example.test/build/7';
    await scm.setStatus(repo, sha, { state: 'pending', context: 'ci/tests', description: 'running' });
    await scm.setStatus(repo, sha, { state: 'pending', context: 'ci/lint', description: 'running' });
    await scm.setStatus(repo, other, { state: 'failure', context: 'ci/tests', description: 'not this commit' });
    // Timestamps have a one-second grain on some SCMs: the later write must still win.
    await new Promise((r) => setTimeout(r, 1100));
    await scm.setStatus(repo, sha, {
      state: 'success',
      context: 'ci/tests',
      description: '42 passed',
      targetUrl: link,
    });
    await scm.setStatus(repo, sha, { state: 'failure', context: 'ci/lint', description: '3 problems' });
    const checks = await scm.commitChecks(repo, sha);
    const byContext = Object.fromEntries(checks.map((c) => [c.context, c]));
    assert.deepEqual(Object.keys(byContext).sort(), ['ci/lint', 'ci/tests'], 'one entry per context');
    assert.equal(byContext['ci/tests']?.state, 'success');
    assert.equal(byContext['ci/tests']?.description, '42 passed');
    assert.equal(byContext['ci/tests']?.targetUrl, link);
    assert.equal(byContext['ci/lint']?.state, 'failure');
    assert.equal(byContext['ci/lint']?.description, '3 problems');
    assert.deepEqual(
      (await scm.commitChecks(repo, other)).map((c) => [c.context, c.state]),
      [['ci/tests', 'failure']],
      'statuses stay on their own commit',
    );
  });

  it('getPullRequest reads a PR by number as open, then as merged once merged', TIMEOUT, async () => {
    const { scm, git, repo } = rig();
    await git.commit(repo, 'feature/read', { 'c.txt': 'to merge\n' }, 'feature');
    const opened = await scm.pulls!.createPullRequest(repo, {
      head: 'feature/read',
      base: 'main',
      title: 'Read me by number',
      body: 'The body',
    });
    const read = await scm.pulls!.getPullRequest(repo, opened.number);
    assert.deepEqual(
      { number: read.number, head: read.head, base: read.base, state: read.state, title: read.title, body: read.body },
      {
        number: opened.number,
        head: 'feature/read',
        base: 'main',
        state: 'open',
        title: 'Read me by number',
        body: 'The body',
      },
    );
    assert.equal(read.url, opened.url);
    await scm.pulls!.mergePullRequest(repo, opened.number);
    assert.equal((await scm.pulls!.getPullRequest(repo, opened.number)).state, 'merged');
  });

  it('getPullRequest of a number that is no PR fails for good, naming it', TIMEOUT, async () => {
    const { scm, repo } = rig();
    await assert.rejects(scm.pulls!.getPullRequest(repo, 9999), (e: unknown) => {
      assert.ok(e instanceof PermanentError, String(e));
      assert.match(e.message, /9999/);
      return true;
    });
  });
}
