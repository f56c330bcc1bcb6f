import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PermanentError } from '../../src/core/errors.js';
import type { CommitState, PullRequest } from '../../src/scm/contracts.js';
import { TIMEOUT, type RefRig } from './ref-suite.js';

/** A commit status as the SCM shows it, in its own words (GitLab `failed`, Bitbucket `SUCCESSFUL`). */
export interface SeenStatus {
  context: string;
  state: string;
  targetUrl?: string | null;
}

/** What the suite reads back from an SCM that has pull requests and statuses. */
export interface ScmApi {
  /** Every status set on `sha`, oldest first, as the emulator stores them. */
  statuses(repo: string, sha: string): SeenStatus[];
  /** How the SCM names each of dispatchd's states (several may share one name). */
  states: Record<CommitState, string>;
  /** A repository the server does not have, as the provider names one. */
  missingRepo: string;
  /**
   * Bitbucket Server's build-status API (`/rest/build-status/1.0/commits/{sha}`) is keyed by the
   * commit alone, so a status for a missing repository cannot be refused.
   */
  statusByCommitOnly?: boolean;
}

/**
 * Where a provider falls short of the contract today, each with why: the test runs and reports,
 * marked TODO, instead of failing the suite. Remove an entry once the provider is fixed.
 */
export interface KnownGaps {
  /** The refusal for a missing repository does not name it. */
  unnamedMissingRepo?: string;
}

export interface PullRequestRig extends RefRig {
  /** The SCM's pull-request and status API, or null for a plain git host, which has none. */
  api: ScmApi | null;
}

/**
 * Pull requests and commit statuses as every ScmProvider must handle them, run against each
 * SCM's emulator, and the plain git server, which has no API and must say so. Each provider's
 * test file calls this inside its describe, after starting the server in `before`.
 */
export function pullRequestTests(rig: () => PullRequestRig, gaps: KnownGaps = {}): void {
  /** A GitOps repository with a head branch one commit ahead of `main`, as dispatchd pushes it. */
  const prepare = async (suffix: string): Promise<{ repo: string; head: string; sha: string }> => {
    const { git, repo, gitName } = rig();
    await git.createRepo(`${gitName}-${suffix}`, { files: { 'envs/staging/app.yaml': 'image: a\n' } });
    const head = `dispatchd/acme/app/envs/${suffix}`;
    const sha = await git.commit(`${gitName}-${suffix}`, head, { 'envs/staging/app.yaml': 'image: b\n' }, 'deploy b');
    const named = repo.endsWith('.git') ? `${repo.slice(0, -4)}-${suffix}.git` : `${repo}-${suffix}`;
    return { repo: named, head, sha };
  };

  it('findPullRequest is null before one is opened, and finds the one createPullRequest opened', TIMEOUT, async () => {
    const { scm, api } = rig();
    const { repo, head } = await prepare('pr-open');
    if (!api) {
      assert.equal(scm.pulls, undefined, 'a plain git host has no pull-request part at all');
      return;
    }
    assert.equal(await scm.pulls!.findPullRequest(repo, head, 'main'), null);
    const pr = await scm.pulls!.createPullRequest(repo, {
      head,
      base: 'main',
      title: 'Deploy b',
      body: 'from acme/app',
    });
    const expected: Omit<PullRequest, 'number' | 'url'> = {
      head,
      base: 'main',
      state: 'open',
      title: 'Deploy b',
      body: 'from acme/app',
    };
    assert.deepEqual({ ...pr, number: 0, url: '' }, { ...expected, number: 0, url: '' });
    assert.ok(pr.number > 0 && pr.url.startsWith('http'), `a number and a web URL: ${pr.number} ${pr.url}`);
    assert.deepEqual(await scm.pulls!.findPullRequest(repo, head, 'main'), pr);
    assert.equal(await scm.pulls!.findPullRequest(repo, head, 'other-base'), null, 'the same head into another base');
    assert.equal(await scm.pulls!.findPullRequest(repo, 'other-head', 'main'), null);
  });

  it('a second pull request from the same head into the same base is refused: "already exists"', TIMEOUT, async (t) => {
    const { scm, api } = rig();
    if (!api) return t.skip('a plain git host opens no pull request at all (above)');
    const { repo, head } = await prepare('pr-twice');
    const first = await scm.pulls!.createPullRequest(repo, { head, base: 'main', title: 'one', body: '' });
    const again = await rejection(scm.pulls!.createPullRequest(repo, { head, base: 'main', title: 'two', body: '' }));
    assert.ok(again instanceof PermanentError, String(again));
    assert.match(again.message, /already exists/);
    assert.equal((await scm.pulls!.findPullRequest(repo, head, 'main'))?.number, first.number);
  });

  it(
    'updatePullRequest rewrites title and body of that pull request, and findPullRequest sees it',
    TIMEOUT,
    async (t) => {
      const { scm, api } = rig();
      const { repo, head } = await prepare('pr-update');
      if (!api) return t.skip('a plain git host has no pull requests (above)');
      const pr = await scm.pulls!.createPullRequest(repo, { head, base: 'main', title: 'Deploy b', body: 'first' });
      const updated = await scm.pulls!.updatePullRequest(repo, pr.number, { title: 'Deploy c', body: 'second' });
      assert.deepEqual(updated, { ...pr, title: 'Deploy c', body: 'second' });
      assert.deepEqual(await scm.pulls!.findPullRequest(repo, head, 'main'), updated);
    },
  );

  it('setStatus shows on the commit in the SCM, one line per context, the newest state winning', TIMEOUT, async () => {
    const { scm, api } = rig();
    const { repo, sha } = await prepare('statuses');
    const set = (state: CommitState, context: string, targetUrl?: string) =>
      scm.setStatus(repo, sha, {
        state,
        context,
        description: `${context} ${state}`,
        ...(targetUrl ? { targetUrl } : {}),
      });
    if (!api) {
      // No status API: setting one is not an error (the audit trail carries the outcome).
      await set('success', 'dispatchd/deploy');
      return;
    }
    await set('pending', 'dispatchd/deploy');
    await set('success', 'dispatchd/deploy', 'https://dispatchd.example.test/pr/1');
    await set('failure', 'dispatchd/test');
    await set('error', 'dispatchd/image');
    await set('pending', 'dispatchd/lint');
    const newest = new Map(api.statuses(repo, sha).map((s) => [s.context, s] as const));
    assert.deepEqual([...newest.values()].map((s) => [s.context, s.state]).sort(), [
      ['dispatchd/deploy', api.states.success],
      ['dispatchd/image', api.states.error],
      ['dispatchd/lint', api.states.pending],
      ['dispatchd/test', api.states.failure],
    ]);
    assert.equal(newest.get('dispatchd/deploy')?.targetUrl, 'https://dispatchd.example.test/pr/1');
  });

  /** Each pull-request and status call on a repository the server does not have. */
  const onMissingRepo = (api: ScmApi): [string, () => Promise<unknown>][] => {
    const { scm } = rig();
    const missing = api.missingRepo;
    const pr = { head: 'dispatchd/x', base: 'main', title: 't', body: '' };
    const calls: [string, () => Promise<unknown>][] = [
      ['findPullRequest', () => scm.pulls!.findPullRequest(missing, pr.head, pr.base)],
      ['createPullRequest', () => scm.pulls!.createPullRequest(missing, pr)],
      ['updatePullRequest', () => scm.pulls!.updatePullRequest(missing, 1, { title: 't', body: '' })],
    ];
    const status = { state: 'success', context: 'c', description: '' } as const;
    if (!api.statusByCommitOnly) calls.push(['setStatus', () => scm.setStatus(missing, 'a'.repeat(40), status)]);
    return calls;
  };

  it(
    'a missing repository is a PermanentError for pull requests and statuses, not an empty answer',
    TIMEOUT,
    async () => {
      const { scm, api } = rig();
      if (!api) {
        // No API to ask: nothing is looked up, so there is nothing to refuse.
        assert.equal(scm.pulls, undefined);
        return;
      }
      for (const [name, call] of onMissingRepo(api)) {
        const e = await rejection(call(), name);
        assert.ok(e instanceof PermanentError, `${name}: ${String(e)}`);
        assert.match(e.message, /404.*check the repository name/, name);
      }
    },
  );

  it(
    'that PermanentError names the repository, so the operator knows which one to fix',
    { ...TIMEOUT, ...(gaps.unnamedMissingRepo ? { todo: gaps.unnamedMissingRepo } : {}) },
    async (t) => {
      const { api } = rig();
      if (!api) return t.skip('a plain git host looks nothing up (above)');
      for (const [name, call] of onMissingRepo(api)) {
        const e = await rejection(call(), name);
        assert.ok(e instanceof Error && e.message.includes(api.missingRepo), `${name}: ${String(e)}`);
      }
    },
  );
}

async function rejection(p: Promise<unknown>, what = 'the call'): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return assert.fail(`expected ${what} to fail`);
}
