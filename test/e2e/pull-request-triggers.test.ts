import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type DeliveryRecord, type GithubEmulator } from '../emulators/github/emulator.js';
import { deployment } from '../gitops/rig.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'ghp_pull_request_triggers_0123456789';
const SECRET = 'pull-request-triggers-secret';
const APP = 'acme/hello-world';
/** Served too, but its grant does not say pullRequests: true. */
const OTHER = 'acme/other-app';
const GITOPS = 'acme/hello-world-gitops';
const HEAD = `dispatchd/github/${APP}/previews`;
const IMAGE = 'registry.example.com/acme/hello-world';

/**
 * Dispatchfile `pull_request` actions end to end on the GitHub emulator: its real, signed
 * `pull_request` webhooks (opened, synchronize, closed, redeliveries) reach the service over
 * redis-server, which writes the GitOps repository only as the base branch's Dispatchfile and
 * the grants allow.
 */
describe('pull_request actions fire on source-repository pull requests (GitHub)', { timeout: 240_000 }, () => {
  let gh: GithubEmulator;
  let stack: Stack;
  const hooks: Record<string, number> = {};

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gh.apiUrl}/repos/${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const image = async () =>
    /image: (\S+)/.exec((await gh.git.readFile(GITOPS, HEAD, 'previews/application.yaml')) ?? '')?.[1];
  const gitopsCommits = async () => (await gh.git.log(GITOPS, HEAD, 100)).length;
  /** The delivery the emulator sent (asynchronously, as hookshot does) once the receiver answered it. */
  const answered = (repo: string, pick: (d: DeliveryRecord) => boolean) =>
    eventually(() => gh.deliveries(repo).find((d) => pick(d) && d.statusCode > 0), 30_000, 'a delivery');
  const statusOn = (repo: string, sha: string, context: string) =>
    gh
      .statuses(repo, sha)
      .filter((s) => s.context === context)
      .at(-1);

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, {
      files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
    });
    const df = prDispatchfile({ gitopsUrl: `${gh.url}/${GITOPS}` });
    await gh.git.createRepo(APP, { files: { Dispatchfile: df, VERSION: '1\n' } });
    await gh.git.createRepo(OTHER, { files: { Dispatchfile: df, VERSION: '1\n' } });
    stack = await startStack(`
hosts:
  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: github, repo: ${APP}}
  - {host: github, repo: ${OTHER}}
gitops:
  - repo: github:${GITOPS}
    allow:
      - {from: "github:${APP}", pullRequests: true, paths: ["previews/**"]}
      - {from: "github:${OTHER}", paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/github`;
    for (const repo of [APP, OTHER]) hooks[repo] = gh.addHook(repo, { url, secret: SECRET, events: ['pull_request'] });
  });
  after(async () => {
    stack?.server.close();
    await stack?.stop();
    await gh?.close();
  });

  it("an opened pull request opens a GitOps PR for its head's image, by the base branch's Dispatchfile", async () => {
    await gh.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
    // The head also rewrites the Dispatchfile to deploy another image: never read.
    const head = await gh.git.commit(
      APP,
      'feature',
      { Dispatchfile: prDispatchfile({ gitopsUrl: `${gh.url}/${GITOPS}` }).replace(IMAGE, 'evil.example.com/x') },
      'swap the image',
    );
    assert.equal((await api('POST', `${APP}/pulls`, { title: 'Feature', head: 'feature', base: 'main' })).status, 201);
    const pr = await eventually(() => gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open'), 60_000);
    assert.equal(pr.base, 'main');
    const source = gh.pulls(APP).find((p) => p.head === 'feature')!;
    assert.match(pr.body ?? '', new RegExp(`for pull request #${source.number} \\(\`feature\` into \`main\`\\) of`));
    assert.equal(await image(), `${IMAGE}:${head}`);
    const status = await eventually(() => {
      const s = statusOn(APP, head, 'dispatchd/pr/preview');
      return s?.state === 'success' ? s : undefined;
    }, 60_000);
    assert.match(status.targetUrl ?? '', new RegExp(`/${GITOPS}/pull/${pr.number}$`));
  });

  it('a redelivered opened event does nothing twice', async () => {
    await stack.idle(60_000);
    const opened = await answered(APP, (d) => d.action === 'opened');
    const [commits, opens] = [await gitopsCommits(), gh.count('POST /repos/{owner}/{repo}/pulls')];
    assert.equal((await api('POST', `${APP}/hooks/${hooks[APP]}/deliveries/${opened.id}/attempts`)).status, 202);
    const again = await answered(APP, (d) => d.redelivery && d.guid === opened.guid);
    assert.equal(again.statusCode, 202);
    assert.match(again.responseBody, /"duplicate"/);
    await stack.idle(60_000);
    assert.equal(await gitopsCommits(), commits);
    assert.equal(gh.count('POST /repos/{owner}/{repo}/pulls'), opens);
  });

  it('a synchronize for an older head, arriving after the newer one, does not move the preview back', async () => {
    const older = await gh.git.commit(APP, 'feature', { VERSION: '3\n' }, 'v3');
    const [late] = await gh.synchronize(APP, 'feature', { hold: true });
    assert.ok(late, 'hookshot held the synchronize of the older head');
    const newer = await gh.git.commit(APP, 'feature', { VERSION: '4\n' }, 'v4');
    await gh.synchronize(APP, 'feature');
    await eventually(
      async () => ((await image()) === `${IMAGE}:${newer}` ? true : undefined),
      60_000,
      'the newer head',
    );
    await stack.idle(60_000);
    const commits = await gitopsCommits();
    // The older head's first attempt arrives now, under its own delivery id.
    const sent = await gh.deliver(APP, hooks[APP]!, { event: late.event, payload: late.payload, guid: late.guid });
    assert.equal(sent.statusCode, 202);
    assert.match(sent.responseBody, /"queued"/);
    await stack.idle(60_000);
    assert.equal(await image(), `${IMAGE}:${newer}`);
    assert.notEqual(older, newer);
    assert.equal(await gitopsCommits(), commits);
  });

  it("a fork's pull request writes nothing, and its head commit's status says why", async () => {
    const commits = await gitopsCommits();
    const forkHead = await gh.git.commit(APP, 'mallory-feature', { VERSION: 'mallory\n' }, 'from a fork');
    const opened = gh.deliveries(APP).find((d) => d.action === 'opened')!;
    const payload = structuredClone(opened.payload) as {
      number: number;
      pull_request: { number: number; head: { ref: string; sha: string; repo: Record<string, unknown> } };
    };
    payload.number = payload.pull_request.number = 99;
    payload.pull_request.head.ref = 'mallory-feature';
    payload.pull_request.head.sha = forkHead;
    // Its own object: the clone shares one with base.repo, as the emulator built them.
    payload.pull_request.head.repo = {
      ...payload.pull_request.head.repo,
      full_name: 'mallory/hello-world',
      fork: true,
    };
    const sent = await gh.deliver(APP, hooks[APP]!, { event: 'pull_request', payload });
    assert.equal(sent.statusCode, 202);
    const status = await eventually(() => statusOn(APP, forkHead, 'dispatchd/pr'), 60_000, 'the refusal');
    assert.equal(status.state, 'failure');
    assert.match(status.description ?? '', /pull request #99 comes from a fork/);
    await stack.idle(60_000);
    assert.equal(await gitopsCommits(), commits);
    assert.equal(await image(), `${IMAGE}:${await gh.git.revParse(APP, 'feature')}`);
  });

  it('a grant without pullRequests: true writes nothing and says which field to add', async () => {
    const head = await gh.git.commit(OTHER, 'feature', { VERSION: '2\n' }, 'v2');
    assert.equal(
      (await api('POST', `${OTHER}/pulls`, { title: 'Feature', head: 'feature', base: 'main' })).status,
      201,
    );
    const status = await eventually(() => statusOn(OTHER, head, 'dispatchd/pr'), 60_000, 'the refusal');
    assert.equal(status.state, 'failure');
    assert.match(status.description ?? '', /not granted: a pull_request action needs allow\[\]\.pullRequests: true/);
    await stack.idle(60_000);
    assert.ok(!(await gh.git.branches(GITOPS)).includes(`dispatchd/github/${OTHER}/previews`));
  });

  it('closing the pull request leaves what it wrote: the GitOps PR stays open for its reviewer', async () => {
    const app = gh.pulls(APP).find((p) => p.head === 'feature')!;
    const commits = await gitopsCommits();
    assert.equal((await api('PATCH', `${APP}/pulls/${app.number}`, { state: 'closed' })).status, 200);
    await answered(APP, (d) => d.action === 'closed');
    await stack.idle(60_000);
    assert.equal(gh.pulls(GITOPS).find((p) => p.head === HEAD)?.state, 'open');
    assert.equal(await gitopsCommits(), commits);
  });
});
