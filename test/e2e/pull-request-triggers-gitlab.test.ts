import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { deployment } from '../gitops/rig.js';
import { gitlabMergeRequestBody, type GitlabMergeRequestOptions } from '../helpers/gitlab-merge-request.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'glpat-pr-triggers-1234567890';
const SECRET = 'gitlab-pr-triggers-secret';
const APP = 'acme/platform/hello-world';
const GITOPS = 'acme/platform/hello-world-gitops';
const HEAD = `dispatchd/gitlab/${APP}/previews`;
const IMAGE = 'registry.example.com/acme/hello-world';

/**
 * Dispatchfile `pull_request` actions on GitLab: real Merge Request Hook bodies (the go-scm
 * capture, re-aimed at the emulator's projects), signed with the hook token, into the service
 * over redis-server; the GitLab emulator holds the projects and the GitOps merge requests.
 */
describe('pull_request actions fire on source-project merge requests (GitLab)', { timeout: 240_000 }, () => {
  let gl: GitlabEmulator;
  let stack: Stack;
  let n = 0;

  const send = async (o: Omit<GitlabMergeRequestOptions, 'repo' | 'base' | 'target'>, deliveryId = `mr-${++n}`) => {
    const body = gitlabMergeRequestBody({ repo: APP, base: gl.url, target: 'main', ...o });
    const signed = signedRequest('gitlab', body, SECRET, { event: 'Merge Request Hook', deliveryId });
    const res = await request(stack.server).post('/hooks/gitlab').set(signed.headers).send(signed.rawBody.toString());
    return { status: res.status, body: res.body as Record<string, unknown>, deliveryId };
  };
  const image = async () =>
    /image: (\S+)/.exec((await gl.git.readFile(GITOPS, HEAD, 'previews/application.yaml')) ?? '')?.[1];
  const gitopsCommits = async () => (await gl.git.log(GITOPS, HEAD, 100)).length;

  before(async () => {
    gl = await startGitlabEmulator({ token: TOKEN });
    await gl.git.createRepo(GITOPS, {
      files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
    });
    await gl.git.createRepo(APP, {
      files: { Dispatchfile: prDispatchfile({ gitopsUrl: `${gl.url}/${GITOPS}.git` }), VERSION: '1\n' },
    });
    stack = await startStack(`
hosts:
  gitlab: {kind: gitlab, url: "${gl.url}", apiUrl: "${gl.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: gitlab, repo: ${APP}}
gitops:
  - repo: gitlab:${GITOPS}
    allow:
      - {from: "gitlab:${APP}", pullRequests: true, paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
  });
  after(async () => {
    await stack?.stop();
    await gl?.close();
  });

  it("an opened merge request opens a GitOps merge request for its head's image, by the base branch's Dispatchfile", async () => {
    const head = await gl.git.commit(
      APP,
      'feature',
      {
        VERSION: '2\n',
        Dispatchfile: prDispatchfile({ gitopsUrl: `${gl.url}/${GITOPS}.git` }).replace(IMAGE, 'evil.example.com/x'),
      },
      'v2, and another image',
    );
    const sent = await send({ iid: 4, action: 'open', source: 'feature', sha: head });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.status, 'queued');
    const mr = await eventually(
      () => gl.mergeRequests(GITOPS).find((m) => m.sourceBranch === HEAD && m.state === 'opened'),
      60_000,
      'the GitOps merge request',
    );
    assert.equal(mr.targetBranch, 'main');
    assert.equal(await image(), `${IMAGE}:${head}`);
    // The same delivery again (GitLab retries on a timeout) adds nothing.
    await stack.idle(60_000);
    const commits = await gitopsCommits();
    const again = await send({ iid: 4, action: 'open', source: 'feature', sha: head }, sent.deliveryId);
    assert.equal(again.body.status, 'duplicate');
    await stack.idle(60_000);
    assert.equal(await gitopsCommits(), commits);
  });

  it('an update for an older head arriving after the newer one does not move the preview back', async () => {
    const first = (await gl.git.revParse(APP, 'feature'))!;
    const older = await gl.git.commit(APP, 'feature', { VERSION: '3\n' }, 'v3');
    const newer = await gl.git.commit(APP, 'feature', { VERSION: '4\n' }, 'v4');
    assert.equal((await send({ iid: 4, action: 'update', source: 'feature', sha: newer, oldrev: older })).status, 202);
    await eventually(
      async () => ((await image()) === `${IMAGE}:${newer}` ? true : undefined),
      60_000,
      'the newer head',
    );
    await stack.idle(60_000);
    const commits = await gitopsCommits();
    const late = await send({ iid: 4, action: 'update', source: 'feature', sha: older, oldrev: first });
    assert.equal(late.body.status, 'queued');
    await stack.idle(60_000);
    assert.equal(await image(), `${IMAGE}:${newer}`);
    assert.equal(await gitopsCommits(), commits);
  });

  it("a fork's merge request writes nothing, and its head commit's status says why", async () => {
    const commits = await gitopsCommits();
    const forkHead = await gl.git.commit(APP, 'from-fork', { VERSION: 'fork\n' }, 'from a fork');
    const sent = await send({ iid: 9, action: 'open', source: 'from-fork', sha: forkHead, forkProjectId: 999_999 });
    assert.equal(sent.body.status, 'queued');
    const status = await eventually(
      () => gl.statuses(APP, forkHead).find((s) => s.name === 'dispatchd/pr'),
      60_000,
      'the refusal',
    );
    assert.equal(status.status, 'failed');
    assert.match(status.description ?? '', /pull request #9 comes from a fork/);
    await stack.idle(60_000);
    assert.equal(await gitopsCommits(), commits);
  });
});
