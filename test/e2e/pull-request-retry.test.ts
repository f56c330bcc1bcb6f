import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { DeliveryRecord } from '../../src/audit/record.js';
import { createLogger } from '../../src/log/logger.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { listen, runCli } from '../cli/run-cli.js';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { deployment } from '../gitops/rig.js';
import { gitlabMergeRequestBody, type GitlabMergeRequestOptions } from '../helpers/gitlab-merge-request.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'glpat-pr-retry-1234567890';
const SECRET = 'gitlab-pr-retry-secret';
const ADMIN = 'pr-retry-admin-token-81c2';
const APP = 'acme/platform/hello-world';
const GITOPS = 'acme/platform/hello-world-gitops';
const HEAD = `dispatchd/gitlab/${APP}/previews`;
const IMAGE = 'registry.example.com/acme/hello-world';
const BROKEN = '#!yaml\ntask: [this is not a task map\n';

/**
 * A pull request's delivery in the audit trail and its retry, through the real service (receiver
 * with the admin token, workers, redis-server) and the GitLab emulator: the record says it was a
 * merge request, and `POST /api/deliveries/:id/retry` (and `dispatchd retry`) plans it again as
 * one: the base tip's Dispatchfile, its `pull_request` actions, the fork refusal.
 */
describe('retry of a pull request delivery plans it as a pull request again', { timeout: 240_000 }, () => {
  let gl: GitlabEmulator;
  let stack: Stack;
  let server: ReturnType<typeof buildReceiver>;
  let url: string;
  const auth = { authorization: `Bearer ${ADMIN}` };
  let n = 0;

  const send = async (o: Omit<GitlabMergeRequestOptions, 'repo' | 'base' | 'target'>) => {
    const deliveryId = `mr-retry-${++n}`;
    const body = gitlabMergeRequestBody({ repo: APP, base: gl.url, target: 'main', ...o });
    const signed = signedRequest('gitlab', body, SECRET, { event: 'Merge Request Hook', deliveryId });
    const res = await request(server).post('/hooks/gitlab').set(signed.headers).send(signed.rawBody.toString());
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return `gitlab:${deliveryId}`;
  };
  const record = async (id: string) => {
    const res = await request(server)
      .get(`/api/deliveries/${encodeURIComponent(id)}`)
      .set(auth);
    return res.status === 200 ? (res.body as DeliveryRecord) : undefined;
  };
  const settled = (id: string, status: DeliveryRecord['status']) =>
    eventually(
      async () => {
        const r = await record(id);
        return r?.status === status ? r : undefined;
      },
      60_000,
      `${id} to be ${status}`,
    );
  const image = async () =>
    /image: (\S+)/.exec((await gl.git.readFile(GITOPS, HEAD, 'previews/application.yaml')) ?? '')?.[1];
  const gitopsCommits = async () => (await gl.git.log(GITOPS, HEAD, 100)).length;

  before(async () => {
    gl = await startGitlabEmulator({ token: TOKEN });
    await gl.git.createRepo(GITOPS, {
      files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
    });
    // The base branch's Dispatchfile starts broken: the first plan of the merge request fails.
    await gl.git.createRepo(APP, { files: { Dispatchfile: BROKEN, VERSION: '1\n' } });
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
retry: { horizon: 2s, firstDelay: 100ms, maxDelay: 400ms }
`);
    const log = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _enc, cb) {
          stack.logs.push(String(chunk));
          cb();
        },
      }),
    });
    server = buildReceiver(stack.config, stack.producer, log, undefined, { adminToken: ADMIN });
    url = await listen(server);
  });
  after(async () => {
    server?.close();
    await stack?.stop();
    await gl?.close();
  });

  it('the record names the merge request, and its retry opens the GitOps merge request by the fixed base Dispatchfile', async () => {
    const head = await gl.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
    const id = await send({ iid: 5, action: 'open', source: 'feature', sha: head });
    const failed = await settled(id, 'failed');
    assert.deepEqual(failed.pullRequest, { number: 5, head: 'feature', base: 'main', fork: false, action: 'opened' });
    assert.equal(failed.ref, 'refs/heads/feature');
    assert.equal(failed.commit, head);
    assert.match(failed.errors.join('\n'), /Dispatchfile/);
    const refusal = await eventually(
      () => gl.statuses(APP, head).find((s) => s.name === 'dispatchd/pr'),
      30_000,
      'the failure status',
    );
    assert.equal(refusal.status, 'failed');

    // The operator fixes the base branch's Dispatchfile, then retries the delivery. The head
    // branch still carries the broken one: only a pull-request plan (base tip) can succeed.
    await gl.git.commit(APP, 'main', { Dispatchfile: prDispatchfile({ gitopsUrl: `${gl.url}/${GITOPS}.git` }) }, 'fix');
    const res = await request(server)
      .post(`/api/deliveries/${encodeURIComponent(id)}/retry`)
      .set(auth);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.pullRequest, 5);
    assert.match(String(res.body.jobId), /^review-gitlab-[0-9a-f]{32}-retry-1$/);

    const done = await settled(id, 'succeeded');
    assert.deepEqual(done.pullRequest, failed.pullRequest, 'the retry keeps what the delivery was');
    assert.equal(done.planned, head);
    assert.deepEqual(
      done.tasks.map((t) => [t.task, t.outcome]),
      [
        ['build', 'done'],
        ['preview', 'updated'],
      ],
    );
    assert.equal(done.retries, 1);
    assert.match(done.history[0]!.errors.join('\n'), /Dispatchfile/);
    const mr = gl.mergeRequests(GITOPS).find((m) => m.sourceBranch === HEAD && m.state === 'opened');
    assert.ok(mr, 'the GitOps merge request opened');
    assert.equal(await image(), `${IMAGE}:${head}`);
    const ok = await eventually(
      () => gl.statuses(APP, head).find((s) => s.name === 'dispatchd/pr/preview' && s.status === 'success'),
      30_000,
      "the preview task's status",
    );
    assert.ok(ok);
  });

  it('a merge request whose planning job gave up at the retry horizon is recorded failed, and its retry plans it', async () => {
    await stack.idle(60_000);
    const head = await gl.git.commit(APP, 'feature-2', { VERSION: '7\n' }, 'v7');
    // Every read of a branch tip answers 503 until the horizon (2 s) is reached.
    gl.setFaults((c) => (c.route === 'GET /projects/{id}/repository/branches/{branch}' ? { status: 503 } : undefined));
    const id = await send({ iid: 6, action: 'open', source: 'feature-2', sha: head });
    const failed = await settled(id, 'failed');
    gl.setFaults(undefined);
    assert.match(failed.errors.join('\n'), /gave up after .*retry\.horizon 2\.0 s/);
    assert.deepEqual(failed.pullRequest, { number: 6, head: 'feature-2', base: 'main', fork: false, action: 'opened' });
    const res = await request(server)
      .post(`/api/deliveries/${encodeURIComponent(id)}/retry`)
      .set(auth);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await settled(id, 'succeeded');
    assert.equal(done.planned, head);
    assert.equal(await image(), `${IMAGE}:${head}`);
  });

  it("a fork's merge request is refused again by `dispatchd retry`, never planned as a push of its head branch", async () => {
    await stack.idle(60_000);
    const commits = await gitopsCommits();
    const heads = (await gl.git.branches(GITOPS)).length;
    const forkHead = await gl.git.commit(APP, 'from-fork', { VERSION: 'fork\n' }, 'from a fork');
    const id = await send({ iid: 9, action: 'open', source: 'from-fork', sha: forkHead, forkProjectId: 999_999 });
    const refused = await settled(id, 'failed');
    assert.equal(refused.pullRequest?.fork, true);
    assert.match(refused.errors.join('\n'), /pull request #9 comes from a fork/);

    const r = await runCli(['retry', id, '--url', url], { DISPATCHD_ADMIN_TOKEN: ADMIN });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^queued a retry of ${id} \\(job review-\\S+-retry-1\\): it plans pull request #9 of ${APP}`),
    );
    const again = await eventually(
      async () => {
        const rec = await record(id);
        return rec?.retries === 1 && rec.status === 'failed' ? rec : undefined;
      },
      60_000,
      'the retry to be refused',
    );
    assert.match(again.errors.join('\n'), /pull request #9 comes from a fork/);
    assert.equal(again.pullRequest?.fork, true);
    await stack.idle(60_000);
    assert.equal(await gitopsCommits(), commits);
    assert.equal((await gl.git.branches(GITOPS)).length, heads, 'no head branch written for the fork');
  });
});
