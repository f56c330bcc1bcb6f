import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { deployment } from '../gitops/rig.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'glpat-chatops-bot-0123456789';
const SECRET = 'gitlab-chatops-secret';
const APP = 'acme/chatops-app';
const GITOPS = 'acme/chatops-gitops';
const PREVIEW = `dispatchd/gitlab/${APP}/previews`;
const IMAGE = 'registry.example.com/acme/hello-world';
/** People who comment, each with their own token: a Developer, a Reporter and a non-member. */
const PEOPLE = {
  dev: 'glpat-chatops-dev-0123456789',
  reporter: 'glpat-chatops-reporter-0123456',
  stranger: 'glpat-chatops-stranger-012345',
};

/**
 * Chatops on GitLab end to end: the emulator sends the Note Hook GitLab sends for a comment on a
 * merge request (the author's name and id, not their role), dispatchd queues it and reads the
 * author's membership before planning: a Developer's `/deploy` plans the merge request's head by
 * the base branch's Dispatchfile; a Reporter's or a non-member's plans nothing, and says why.
 */
describe('pull_request chatops conditions fire on GitLab merge request comments', { timeout: 180_000 }, () => {
  let gl: GitlabEmulator;
  let stack: Stack;

  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gl.apiUrl}/projects/${encodeURIComponent(APP)}${path}`, {
      method,
      headers: { 'private-token': token, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  type Payload = { object_kind?: string; object_attributes?: { note?: string } };
  const delivered = (what: string, match: (payload: Payload) => boolean) =>
    eventually(() => gl.deliveries(APP).find((d) => match(d.payload as Payload) && d.statusCode > 0), 30_000, what);
  const noPreview = async (why: string) => assert.ok(!(await gl.git.branches(GITOPS)).includes(PREVIEW), why);
  before(async () => {
    gl = await startGitlabEmulator({
      token: TOKEN,
      users: Object.entries(PEOPLE).map(([username, token]) => ({ username, token })),
    });
    await gl.git.createRepo(GITOPS, {
      files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
    });
    const gitopsUrl = `${gl.url}/${GITOPS}.git`;
    // Until the base branch says otherwise, its pull_request action targets release only.
    await gl.git.createRepo(APP, {
      files: { Dispatchfile: prDispatchfile({ gitopsUrl, condition: '{targets: ["release"]}' }), VERSION: '1\n' },
    });
    gl.setMember(APP, 'dev', 30);
    gl.setMember(APP, 'reporter', 20);
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
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/gitlab`;
    // Settings → Webhooks: merge request events and comments, the secret token = webhookSecret.
    const hook = await api(TOKEN, 'POST', '/hooks', {
      url,
      token: SECRET,
      push_events: false,
      merge_requests_events: true,
      note_events: true,
    });
    assert.equal(hook.status, 201);
  });
  after(async () => {
    stack?.server.close();
    await stack?.stop();
    await gl?.close();
  });

  it("a Developer's /deploy plans the head by the base tip's Dispatchfile; a Reporter's or a stranger's plans nothing", async () => {
    const head = await gl.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
    const opened = await api(TOKEN, 'POST', '/merge_requests', {
      source_branch: 'feature',
      target_branch: 'main',
      title: 'Feature',
    });
    assert.equal(opened.status, 201);
    const iid = opened.body.iid as number;
    const open = await delivered('the open delivery', (p) => p.object_kind === 'merge_request');
    assert.equal(open.statusCode, 202);
    await stack.idle(60_000);
    await noPreview('the base Dispatchfile targets release only');

    const df = prDispatchfile({
      gitopsUrl: `${gl.url}/${GITOPS}.git`,
      condition: '{targets: ["main"], chatops: ["deploy"]}',
    });
    await gl.git.commit(APP, 'main', { Dispatchfile: df }, 'deploy merge requests on /deploy');
    const comment = async (who: keyof typeof PEOPLE, body: string) => {
      assert.equal((await api(PEOPLE[who], 'POST', `/merge_requests/${iid}/notes`, { body })).status, 201);
      return delivered(
        `the note ${body} by ${who}`,
        (p) => p.object_kind === 'note' && p.object_attributes?.note === body,
      );
    };

    // Not a command: answered at once, nothing queued.
    assert.match((await comment('dev', 'LGTM, will /deploy later')).responseBody, /does not start with a \/command/);
    // Commands by people who may not write: queued (the hook does not say who may), then refused.
    for (const [who, role] of [
      ['stranger', 'not a member (or the token cannot read its members)'],
      ['reporter', 'Reporter'],
    ] as const) {
      const note = await comment(who, `/deploy by ${who}`);
      assert.equal(note.statusCode, 202);
      assert.match(note.responseBody, /"queued"/);
      const job = await eventually(
        async () =>
          (await stack.producer.events.getCompleted(0, -1)).find((j) => {
            const review = (j.data as { review?: { kind: string; author?: string } }).review;
            return j.name === 'review' && review?.kind === 'comment' && review.author === who;
          }),
        60_000,
        `the review job of ${who}'s note`,
      );
      assert.equal(
        (job.returnvalue as { ignored?: string }).ignored,
        `${who} is ${role} of ${APP}; only a Developer, Maintainer or Owner may: /deploy by ${who} runs nothing`,
      );
    }
    await stack.idle(60_000);
    await noPreview('nobody who may write said /deploy');

    const deploy = await comment('dev', '/deploy now');
    assert.equal(deploy.statusCode, 202);
    const mr = await eventually(
      () => gl.mergeRequests(GITOPS).find((m) => m.sourceBranch === PREVIEW && m.state === 'opened'),
      60_000,
      'the GitOps merge request',
    );
    assert.equal(mr.targetBranch, 'main');
    assert.equal(
      /image: (\S+)/.exec((await gl.git.readFile(GITOPS, PREVIEW, 'previews/application.yaml')) ?? '')?.[1],
      `${IMAGE}:${head}`,
    );
  });
});
