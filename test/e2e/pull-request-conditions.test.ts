import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { deployment } from '../gitops/rig.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'ghp_pull_request_conditions_0123456789';
const SECRET = 'pull-request-conditions-secret';
const APP = 'acme/labelled-app';
const GITOPS = 'acme/conditions-gitops';
const IMAGE = 'registry.example.com/acme/hello-world';
const previewOf = (repo: string) => `dispatchd/github/${repo}/previews`;

/**
 * The `labels` condition of a `pull_request` action end to end on the GitHub emulator: a pull
 * request fires the action only once it carries a matching label, and GitHub's `labeled` event
 * (sent when the label is added) is what fires it.
 */
describe('pull_request labels conditions fire on GitHub', { timeout: 180_000 }, () => {
  let gh: GithubEmulator;
  let stack: Stack;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gh.apiUrl}/repos/${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const image = async (repo: string) =>
    /image: (\S+)/.exec((await gh.git.readFile(GITOPS, previewOf(repo), 'previews/application.yaml')) ?? '')?.[1];
  const answered = (repo: string, action: string) =>
    eventually(
      () => gh.deliveries(repo).find((d) => d.action === action && d.statusCode > 0),
      30_000,
      `the ${action} delivery`,
    );

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, {
      files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
    });
    const gitopsUrl = `${gh.url}/${GITOPS}`;
    const labelled = prDispatchfile({ gitopsUrl, condition: '{targets: ["main"], labels: ["deploy-*", "!hold"]}' });
    await gh.git.createRepo(APP, { files: { Dispatchfile: labelled, VERSION: '1\n' } });
    stack = await startStack(`
hosts:
  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: github, repo: ${APP}}
gitops:
  - repo: github:${GITOPS}
    allow:
      - {from: "github:${APP}", pullRequests: true, paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/github`;
    gh.addHook(APP, { url, secret: SECRET, events: ['pull_request'] });
  });
  after(async () => {
    stack?.server.close();
    await stack?.stop();
    await gh?.close();
  });

  it('a pull request without the label writes nothing; labelling it deploy-preview opens the GitOps PR', async () => {
    const head = await gh.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
    const opened = await api('POST', `${APP}/pulls`, { title: 'Feature', head: 'feature', base: 'main' });
    assert.equal(opened.status, 201);
    const number = opened.body.number as number;
    assert.equal((await answered(APP, 'opened')).statusCode, 202);
    await stack.idle(60_000);
    assert.ok(!(await gh.git.branches(GITOPS)).includes(previewOf(APP)), 'no preview before the label');

    // A label that matches no positive glob fires nothing either.
    assert.equal((await api('POST', `${APP}/issues/${number}/labels`, { labels: ['bug'] })).status, 200);
    assert.equal((await answered(APP, 'labeled')).statusCode, 202);
    await stack.idle(60_000);
    assert.ok(!(await gh.git.branches(GITOPS)).includes(previewOf(APP)), 'no preview for the label bug');

    assert.equal((await api('POST', `${APP}/issues/${number}/labels`, { labels: ['deploy-preview'] })).status, 200);
    const pr = await eventually(
      () => gh.pulls(GITOPS).find((p) => p.head === previewOf(APP) && p.state === 'open'),
      60_000,
      'the GitOps PR',
    );
    assert.equal(pr.base, 'main');
    assert.equal(await image(APP), `${IMAGE}:${head}`);
  });

  it('a `!hold` label keeps a new head of the labelled pull request from deploying', async () => {
    await stack.idle(60_000);
    const number = gh.pulls(APP).find((p) => p.head === 'feature')!.number;
    const before = await image(APP);
    assert.equal((await api('POST', `${APP}/issues/${number}/labels`, { labels: ['hold'] })).status, 200);
    await gh.git.commit(APP, 'feature', { VERSION: '3\n' }, 'v3');
    await gh.synchronize(APP, 'feature');
    assert.equal((await answered(APP, 'synchronize')).statusCode, 202);
    await stack.idle(60_000);
    assert.equal(await image(APP), before);
  });
});
