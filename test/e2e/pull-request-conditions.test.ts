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
/** Its Dispatchfile fires on chatops `/deploy` (after the base branch's file changed). */
const CHATOPS = 'acme/chatops-app';
const GITOPS = 'acme/conditions-gitops';
const IMAGE = 'registry.example.com/acme/hello-world';
const previewOf = (repo: string) => `dispatchd/github/${repo}/previews`;

/**
 * The `labels` and `chatops` conditions of `pull_request` actions end to end on the GitHub
 * emulator: a pull request fires a labels action only once it carries a matching label (GitHub's
 * `labeled` event fires it), and a `/deploy` comment by a collaborator (`issue_comment`) plans
 * the pull request's head by the base branch's Dispatchfile.
 */
describe('pull_request labels and chatops conditions fire on GitHub', { timeout: 180_000 }, () => {
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
    const elsewhere = prDispatchfile({ gitopsUrl, condition: '{targets: ["release"]}' });
    await gh.git.createRepo(CHATOPS, { files: { Dispatchfile: elsewhere, VERSION: '1\n' } });
    stack = await startStack(`
hosts:
  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: github, repo: ${APP}}
  - {host: github, repo: ${CHATOPS}}
gitops:
  - repo: github:${GITOPS}
    allow:
      - {from: "github:${APP}", pullRequests: true, paths: ["previews/**"]}
      - {from: "github:${CHATOPS}", pullRequests: true, paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/github`;
    gh.addHook(APP, { url, secret: SECRET, events: ['pull_request'] });
    hooks[CHATOPS] = gh.addHook(CHATOPS, { url, secret: SECRET, events: ['pull_request', 'issue_comment'] });
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

  it("a /deploy comment by a collaborator plans the head by the base tip's Dispatchfile; others do nothing", async () => {
    const head = await gh.git.commit(CHATOPS, 'feature', { VERSION: '2\n' }, 'v2');
    const opened = await api('POST', `${CHATOPS}/pulls`, { title: 'Feature', head: 'feature', base: 'main' });
    const number = opened.body.number as number;
    assert.equal((await answered(CHATOPS, 'opened')).statusCode, 202);
    await stack.idle(60_000);
    const noPreview = async (why: string) =>
      assert.ok(!(await gh.git.branches(GITOPS)).includes(previewOf(CHATOPS)), why);
    await noPreview('the base Dispatchfile targets release only');
    // The base branch now asks for /deploy: nothing happens until someone says it.
    const df = prDispatchfile({
      gitopsUrl: `${gh.url}/${GITOPS}`,
      condition: '{targets: ["main"], chatops: ["deploy"]}',
    });
    await gh.git.commit(CHATOPS, 'main', { Dispatchfile: df }, 'deploy pull requests on /deploy');
    const comment = async (body: string) => {
      assert.equal((await api('POST', `${CHATOPS}/issues/${number}/comments`, { body })).status, 201);
      return eventually(
        () =>
          gh
            .deliveries(CHATOPS)
            .find(
              (d) =>
                d.event === 'issue_comment' &&
                (d.payload as { comment?: { body?: string } }).comment?.body === body &&
                d.statusCode > 0,
            ),
        30_000,
        `the delivery of ${body}`,
      );
    };
    assert.match((await comment('/test')).responseBody, /"queued"/);
    assert.match((await comment('Looks good, will /deploy later')).responseBody, /does not start with a \/command/);
    await stack.idle(60_000);
    await noPreview('no comment said /deploy');

    // A commenter who may not write is answered, and nothing is queued.
    const byStranger = structuredClone((await comment('/test')).payload) as { comment: Record<string, unknown> };
    byStranger.comment.body = '/deploy';
    byStranger.comment.author_association = 'NONE';
    const refused = await gh.deliver(CHATOPS, hooks[CHATOPS]!, { event: 'issue_comment', payload: byStranger });
    assert.match(refused.responseBody, /is NONE of acme\/chatops-app: only an OWNER, MEMBER or COLLABORATOR/);
    await stack.idle(60_000);
    await noPreview('a stranger said /deploy');

    // An organisation member with read permission only: queued (the association does not say),
    // then refused once GitHub's permission API says read.
    gh.setPermission(CHATOPS, 'reader', 'triage');
    const byReader = structuredClone(byStranger) as typeof byStranger & { comment: { user: { login: string } } };
    byReader.comment.author_association = 'MEMBER';
    byReader.comment.user = { ...byReader.comment.user, login: 'reader' };
    const queued = await gh.deliver(CHATOPS, hooks[CHATOPS]!, { event: 'issue_comment', payload: byReader });
    assert.match(queued.responseBody, /"queued"/);
    const job = await eventually(
      async () =>
        (await stack.producer.events.getCompleted(0, -1)).find(
          (j) => (j.data as { review?: { author?: string } }).review?.author === 'reader',
        ),
      60_000,
      "the review job of reader's comment",
    );
    assert.deepEqual(job.returnvalue, {
      ignored:
        'reader has triage permission on acme/chatops-app; only admin, maintain or write permission may: /deploy runs nothing',
    });
    await stack.idle(60_000);
    await noPreview('a reader said /deploy');

    const deploy = await comment('/deploy now');
    assert.equal(deploy.statusCode, 202);
    const pr = await eventually(
      () => gh.pulls(GITOPS).find((p) => p.head === previewOf(CHATOPS) && p.state === 'open'),
      60_000,
      'the GitOps PR',
    );
    assert.equal(await image(CHATOPS), `${IMAGE}:${head}`);
    await stack.idle(60_000);
    const commits = (await gh.git.log(GITOPS, previewOf(CHATOPS), 100)).length;
    assert.equal(
      (await api('POST', `${CHATOPS}/hooks/${hooks[CHATOPS]}/deliveries/${deploy.id}/attempts`)).status,
      202,
    );
    const again = await eventually(
      () => gh.deliveries(CHATOPS).find((d) => d.redelivery && d.guid === deploy.guid && d.statusCode > 0),
      30_000,
      'the redelivery',
    );
    assert.match(again.responseBody, /"duplicate"/);
    await stack.idle(60_000);
    assert.equal((await gh.git.log(GITOPS, previewOf(CHATOPS), 100)).length, commits);
    assert.equal(gh.pulls(GITOPS).filter((p) => p.head === pr.head).length, 1);
  });
});
