import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { PullRequestEvent } from '../../src/core/review-events.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { planPullRequest } from '../../src/plan/plan-pull-request.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';

const TOKEN = 'ghp_plan_pull_request_token_0123';
const APP = 'acme/app';
const GITOPS = 'acme/gitops';

/** The pull-request planner against the GitHub emulator: base tip's Dispatchfile, head's tip, grants. */
describe('planPullRequest', { timeout: 60_000 }, () => {
  let gh: GithubEmulator;
  let dataDir: string;
  const pr = (o: Partial<PullRequestEvent> & { headSha: string }): PullRequestEvent => ({
    kind: 'pull-request',
    host: 'github',
    scm: 'github',
    deliveryId: `d-${o.headSha.slice(0, 6)}`,
    repo: { fullName: APP, cloneUrl: `${gh.url}/${APP}.git`, webUrl: `${gh.url}/${APP}` },
    action: 'opened',
    number: 7,
    head: 'feature',
    base: 'main',
    fork: false,
    receivedAt: Date.now(),
    ...o,
  });
  const setup = (pullRequests: boolean) => {
    const config = parseConfig(
      `hosts:\n  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: s}\n` +
        `repositories:\n  - {host: github, repo: ${APP}}\n` +
        `gitops:\n  - repo: github:${GITOPS}\n    allow:\n      - {from: "github:${APP}", pullRequests: ${pullRequests}, paths: ["previews/**"]}\n` +
        `dataDir: ${dataDir}\n`,
      {},
    );
    return { config, provider: createProviders(config, createMirrors(dataDir)).for('github') };
  };
  const df = (o: Parameters<typeof prDispatchfile>[0] extends infer T ? Partial<T> : never) =>
    prDispatchfile({ gitopsUrl: `${gh.url}/${GITOPS}`, ...o });

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'README.md': '#\n' } });
    await gh.git.createRepo(APP, { files: { Dispatchfile: df({}), VERSION: '1\n' } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-plan-pr-'));
  });
  after(async () => {
    await gh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("reads the Dispatchfile at the base's tip, not the head's, and plans the head's tip", async () => {
    const { config, provider } = setup(true);
    const first = await gh.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
    // The head rewrites the Dispatchfile to write production: that file is never read.
    const tip = await gh.git.commit(APP, 'feature', { Dispatchfile: df({ dir: 'production' }) }, 'aim at production');
    const plan = await planPullRequest(config, pr({ headSha: first }), 5, provider);
    assert.equal(plan.commit, tip, 'the head branch tip, not the event head');
    const preview = plan.tasks.find((t) => t.task === 'preview');
    assert.equal(preview?.env?.spec.envDir, 'previews');
    assert.equal(preview?.env?.spec.source.sha, tip);
    assert.equal(preview?.env?.spec.source.ref, 'refs/heads/feature');
    assert.deepEqual(preview?.env?.spec.source.pullRequest, { number: 7, base: 'main' });
    assert.deepEqual(plan.tasks.find((t) => t.task === 'build')?.image, `registry.example.com/acme/hello-world:${tip}`);
  });

  it('targets, sources, labels and a chatops command decide; labels never match where the SCM has none', async () => {
    const { config, provider } = setup(true);
    const head = await gh.git.commit(APP, 'topic', { VERSION: '3\n' }, 'v3');
    await gh.git.commit(APP, 'release', { VERSION: '3\n' }, 'release');
    const other = await planPullRequest(config, pr({ headSha: head, head: 'topic', base: 'release' }), 6, provider);
    assert.deepEqual(other.tasks, [], 'base release is not in targets');
    await gh.git.commit(APP, 'main', { Dispatchfile: df({ condition: '{sources: ["team/*"]}' }) }, 'sources');
    const notSource = await planPullRequest(config, pr({ headSha: head, head: 'topic' }), 7, provider);
    assert.deepEqual(notSource.tasks, []);
    const fromFeature = await gh.git.commit(APP, 'team/x', { VERSION: '4\n' }, 'v4');
    const source = await planPullRequest(config, pr({ headSha: fromFeature, head: 'team/x' }), 8, provider);
    assert.deepEqual(
      source.tasks.map((t) => t.task),
      ['build', 'preview'],
    );
    await gh.git.commit(APP, 'main', { Dispatchfile: df({ condition: '{labels: ["preview"]}' }) }, 'labels');
    const labelled = await planPullRequest(config, pr({ headSha: fromFeature, head: 'team/x' }), 9, provider);
    assert.deepEqual(labelled.tasks, [], 'no labels at all (Bitbucket): never fires');
    assert.equal(labelled.found, true);
    const tasks = async (o: Partial<PullRequestEvent>, seq: number) =>
      (await planPullRequest(config, pr({ headSha: fromFeature, head: 'team/x', ...o }), seq, provider)).tasks.map(
        (t) => t.task,
      );
    assert.deepEqual(await tasks({ labels: ['bug', 'preview'] }, 20), ['build', 'preview']);
    assert.deepEqual(await tasks({ labels: ['bug'] }, 21), []);
    await gh.git.commit(APP, 'main', { Dispatchfile: df({ condition: '{labels: ["!wip"]}' }) }, 'not wip');
    assert.deepEqual(await tasks({ labels: [] }, 22), ['build', 'preview'], 'no label is not wip');
    assert.deepEqual(await tasks({ labels: ['wip'] }, 23), []);
    assert.deepEqual(await tasks({}, 24), [], 'where the SCM has no labels, not even a ! glob alone');
    await gh.git.commit(APP, 'main', { Dispatchfile: df({ condition: '{chatops: ["deploy"]}' }) }, 'chatops');
    assert.deepEqual(await tasks({ comment: '/deploy now' }, 25), ['build', 'preview']);
    assert.deepEqual(await tasks({ comment: '/test' }, 26), []);
    assert.deepEqual(await tasks({}, 27), ['build', 'preview'], 'no comment: chatops is not asked, as in Dispatch');
    await gh.git.commit(APP, 'main', { Dispatchfile: df({}) }, 'back');
  });

  it('paths are counted from the base tip to the head tip', async () => {
    const { config, provider } = setup(true);
    await gh.git.commit(APP, 'main', { Dispatchfile: df({ condition: '{paths: ["src/**"]}' }) }, 'paths');
    const docs = await gh.git.commit(APP, 'docs-only', { 'README.md': 'x\n' }, 'docs');
    assert.deepEqual((await planPullRequest(config, pr({ headSha: docs, head: 'docs-only' }), 10, provider)).tasks, []);
    const code = await gh.git.commit(APP, 'code', { 'src/main.go': 'package main\n' }, 'code');
    const plan = await planPullRequest(config, pr({ headSha: code, head: 'code' }), 11, provider);
    assert.deepEqual(
      plan.tasks.map((t) => t.task),
      ['build', 'preview'],
    );
    await gh.git.commit(APP, 'main', { Dispatchfile: df({}) }, 'back');
  });

  it('a fork plans nothing and says why; a grant without pullRequests: true says which field to add', async () => {
    const { config, provider } = setup(true);
    await assert.rejects(
      planPullRequest(config, pr({ headSha: 'f'.repeat(40), head: 'main', fork: true }), 12, provider),
      /^PermanentError: not deployed: pull request #7 comes from a fork, whose author controls its head/,
    );
    const release = await planPullRequest(
      config,
      pr({ headSha: 'f'.repeat(40), head: 'main', base: 'release', fork: true }),
      13,
      provider,
    );
    assert.deepEqual(release.tasks, [], 'a fork whose pull request fires no action is not refused');
    const head = await gh.git.commit(APP, 'feature', { VERSION: '5\n' }, 'v5');
    const denied = setup(false);
    await assert.rejects(
      planPullRequest(denied.config, pr({ headSha: head }), 14, denied.provider),
      /not granted: a pull_request action needs allow\[\]\.pullRequests: true; github:acme\/app pull request from branch feature/,
    );
  });

  it('a head commit not on the head branch, or a base that is gone, plans nothing', async () => {
    const { config, provider } = setup(true);
    const side = await gh.git.commit(APP, 'side', { VERSION: 'side\n' }, 'side');
    const off = await planPullRequest(config, pr({ headSha: side }), 15, provider);
    assert.match(off.skipped ?? '', /is not on refs\/heads\/feature of acme\/app/);
    const gone = await planPullRequest(config, pr({ headSha: side, base: 'gone' }), 16, provider);
    assert.match(gone.skipped ?? '', /base branch gone of pull request #7 is gone/);
  });
});
