import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import { DispatchError, PermanentError, TransientError } from '../../../src/core/errors.js';
import type { ScmProvider } from '../../../src/scm/contracts.js';
import { githubProvider } from '../../../src/scm/github/provider.js';
import { commitChain, createTag } from '../../emulators/common/git/write-commit.js';
import { startGithubEmulator, type GithubEmulator } from '../../emulators/github/emulator.js';
import { pullRequestTests } from '../pull-request-suite.js';
import { boundedReadTests } from '../read-suite.js';
import { refTipAndCompareTests, TIMEOUT } from '../ref-suite.js';
import { commitChecksAndPullRequestTests } from '../review-suite.js';

const TOKEN = 'ghp_provider_test';
const GET_REF = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
const GET_TAG = 'GET /repos/{owner}/{repo}/git/tags/{tag_sha}';
const COMPARE = 'GET /repos/{owner}/{repo}/compare/{basehead}';

async function rejection(p: Promise<unknown>): Promise<DispatchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DispatchError) return e;
    throw e;
  }
  return assert.fail('expected the call to fail');
}

describe('GitHub provider: refTip and compare against the emulator', { timeout: 120_000 }, () => {
  let emu: GithubEmulator;
  let scm: ScmProvider;
  before(async () => {
    emu = await startGithubEmulator({ token: TOKEN });
    scm = githubProvider('gh', HostConfig.parse({ kind: 'github', url: emu.url, apiUrl: emu.apiUrl, token: TOKEN }));
  });
  after(() => emu.close());

  refTipAndCompareTests(() => ({ scm, git: emu.git, repo: 'acme/refs', gitName: 'acme/refs' }));
  boundedReadTests(() => ({ scm, git: emu.git, repo: 'acme/refs', gitName: 'acme/refs' }));
  pullRequestTests(() => ({
    scm,
    git: emu.git,
    repo: 'acme/refs',
    gitName: 'acme/refs',
    api: {
      statuses: (repo, sha) => emu.statuses(repo, sha),
      states: { pending: 'pending', success: 'success', failure: 'failure', error: 'error' },
      missingRepo: 'acme/missing',
    },
  }));

  commitChecksAndPullRequestTests(() => ({ scm, git: emu.git, repo: 'acme/review' }));

  it(
    'commitChecks reads check runs beside statuses: running is pending, the newest run of a name counts',
    TIMEOUT,
    async () => {
      await emu.git.createRepo('acme/runs');
      const sha = (await emu.git.revParse('acme/runs', 'main')) ?? '';
      const api = async (method: string, path: string, body: unknown): Promise<{ id: number }> => {
        const res = await fetch(`${emu.apiUrl}/repos/acme/runs/${path}`, {
          method,
          headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status}`);
        return (await res.json()) as { id: number };
      };
      const build = await api('POST', 'check-runs', { name: 'build', head_sha: sha, status: 'in_progress' });
      await api('POST', 'check-runs', {
        name: 'e2e',
        head_sha: sha,
        conclusion: 'failure',
        output: { title: '2 failed' },
      });
      await scm.setStatus('acme/runs', sha, { state: 'success', context: 'ci/lint', description: 'clean' });
      const states = async () =>
        Object.fromEntries(
          (await scm.commitChecks('acme/runs', sha)).map((c) => [c.context, [c.state, c.description]]),
        );
      assert.deepEqual(await states(), {
        build: ['pending', 'in_progress'],
        e2e: ['failure', '2 failed'],
        'ci/lint': ['success', 'clean'],
      });
      await api('PATCH', `check-runs/${build.id}`, { conclusion: 'cancelled' });
      await api('POST', 'check-runs', {
        name: 'e2e',
        head_sha: sha,
        conclusion: 'success',
        output: { title: 'rerun' },
      });
      assert.deepEqual(await states(), {
        build: ['error', 'cancelled'],
        e2e: ['success', 'rerun'],
        'ci/lint': ['success', 'clean'],
      });
    },
  );

  it(
    'requiredChecks reads branch protection from the branch (no admin rights needed); unprotected is []',
    TIMEOUT,
    async () => {
      await emu.git.createRepo('acme/protected');
      assert.deepEqual(await scm.pulls!.requiredChecks?.('acme/protected', 'main'), []);
      emu.protectBranch('acme/protected', 'main', ['ci/validate', 'argocd/app']);
      assert.deepEqual(await scm.pulls!.requiredChecks?.('acme/protected', 'main'), ['ci/validate', 'argocd/app']);
    },
  );

  it(
    'costs one call per branch and lightweight tag, one more to peel an annotated tag, one per compare',
    TIMEOUT,
    async () => {
      await emu.git.createRepo('acme/costs');
      const sha = (await emu.git.revParse('acme/costs', 'main')) ?? '';
      await createTag(emu.git.bareDir('acme/costs'), 'v2', sha, 'annotated');
      const calls = async (fn: () => Promise<unknown>): Promise<number> => {
        const before = emu.count();
        await fn();
        return emu.count() - before;
      };
      assert.equal(await calls(() => scm.refTip('acme/costs', 'refs/heads/main')), 1);
      assert.equal(await calls(() => scm.refTip('acme/costs', 'refs/heads/missing')), 1);
      const before = emu.count(GET_TAG);
      assert.equal(await calls(() => scm.refTip('acme/costs', 'refs/tags/v2')), 2);
      assert.equal(emu.count(GET_TAG) - before, 1);
      assert.equal(await calls(() => scm.compare('acme/costs', sha, sha)), 1);
    },
  );

  it("gives files: null when the compare lists 300 files (GitHub's cap), keeping the status", TIMEOUT, async () => {
    await emu.git.createRepo('acme/wide');
    const base = (await emu.git.revParse('acme/wide', 'main')) ?? '';
    const files: Record<string, string> = {};
    for (let i = 0; i < 301; i++) files[`deploy/f${String(i).padStart(3, '0')}.yaml`] = `n: ${i}\n`;
    const head = await emu.git.commit('acme/wide', 'wide', files);
    const wide = await scm.compare('acme/wide', base, head);
    assert.deepEqual(wide, { status: 'ahead', files: null });
    // 299 files are listed in full.
    const narrow = await emu.git.commit('acme/wide', 'narrow', Object.fromEntries(Object.entries(files).slice(0, 299)));
    assert.equal((await scm.compare('acme/wide', base, narrow)).files?.length, 299);
  });

  it('gives files: null past 250 commits, however few files changed', TIMEOUT, async () => {
    await emu.git.createRepo('acme/long');
    const base = (await emu.git.revParse('acme/long', 'main')) ?? '';
    const head = await commitChain(emu.git.bareDir('acme/long'), 'long', 251);
    assert.deepEqual(await scm.compare('acme/long', base, head), { status: 'ahead', files: null });
    const short = await commitChain(emu.git.bareDir('acme/long'), 'short', 250);
    assert.deepEqual(await scm.compare('acme/long', base, short), { status: 'ahead', files: ['chain.txt'] });
  });

  it(
    'refuses a ref that is not a full name, and a missing repository reads as a missing ref (GitHub says 404 to both)',
    TIMEOUT,
    async () => {
      assert.ok((await rejection(scm.refTip('acme/refs', 'main'))) instanceof PermanentError);
      assert.equal(await scm.refTip('acme/no-such-repo', 'refs/heads/main'), null);
      const missing = await rejection(scm.compare('acme/refs', 'main', 'no-such-branch'));
      assert.ok(missing instanceof PermanentError);
    },
  );

  it('maps 5xx and 429 on the ref and compare routes to TransientError, 401 to PermanentError', TIMEOUT, async () => {
    try {
      emu.setFaults((c) =>
        c.route === GET_REF ? { status: 502 } : c.route === COMPARE ? { status: 429, retryAfterSec: 4 } : undefined,
      );
      assert.ok((await rejection(scm.refTip('acme/refs', 'refs/heads/main'))) instanceof TransientError);
      const limited = await rejection(scm.compare('acme/refs', 'main', 'main'));
      assert.ok(limited instanceof TransientError);
      assert.equal(limited.retryAfterMs, 4000);
      emu.setFaults((c) => (c.route === GET_TAG ? { status: 503 } : undefined));
      assert.ok(
        (await rejection(scm.refTip('acme/refs', 'refs/tags/v1.0.0'))) instanceof TransientError,
        'peeling fails passingly too',
      );
    } finally {
      emu.setFaults(undefined);
    }
    const bad = githubProvider(
      'gh',
      HostConfig.parse({ kind: 'github', url: emu.url, apiUrl: emu.apiUrl, token: 'wrong' }),
    );
    const e = await rejection(bad.refTip('acme/refs', 'refs/heads/main'));
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /HTTP 401/);
  });
});
