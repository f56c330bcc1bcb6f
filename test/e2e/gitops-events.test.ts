import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { GitopsEvent } from '../../src/core/gitops-events.js';
import { APP, deployment, GITOPS, SECRET, startRig, TOKEN, type Rig } from '../gitops/rig.js';
import { eventually } from './fixtures.js';

const HEAD = `dispatchd/github/${APP}/staging`;

async function api(rig: Rig, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function rigWith(events: GitopsEvent[], extraArgs: string[], merge?: { requiredChecks: string[] }) {
  return startRig({
    gitopsFiles: { 'README.md': '# gitops\n', 'staging/application.yaml.tmpl': deployment('staging') },
    tasks: [
      {
        name: 'deploy',
        branches: ['staging'],
        args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**', ...extraArgs],
      },
    ],
    ...(merge ? { merge } : {}),
    onGitopsEvent: (e) => {
      events.push(e);
    },
  });
}

/** The receiver listening, and a hook on the GitOps repository sending it PR and status events. */
async function hookUp(rig: Rig): Promise<void> {
  await new Promise<void>((r) => rig.stack.server.listen(0, '127.0.0.1', r));
  const port = (rig.stack.server.address() as AddressInfo).port;
  rig.gh.addHook(GITOPS, {
    url: `http://127.0.0.1:${port}/hooks/github`,
    secret: SECRET,
    events: ['pull_request', 'status'],
  });
}

describe('GitOps pull-request and status webhooks reach onGitopsEvent (GitHub)', { timeout: 180_000 }, () => {
  let rig: Rig;
  const events: GitopsEvent[] = [];
  before(async () => {
    rig = await rigWith(events, []);
    await hookUp(rig);
  });
  after(async () => {
    rig?.stack.server.close();
    await rig?.close();
  });

  it('opened, a status on the head, and a reviewer merging: each arrives signed, once, as an event', async () => {
    await rig.push('staging', '3.0.0');
    const pr = await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open'), 60_000);
    const opened = await eventually(() => events.find((e) => e.type === 'pull-request' && e.action === 'opened'));
    assert.equal(opened.type === 'pull-request' && opened.number, pr.number);
    assert.equal(
      (await api(rig, 'POST', `statuses/${pr.headSha}`, { state: 'success', context: 'argocd/app' })).status,
      201,
    );
    const status = await eventually(() => events.find((e) => e.type === 'status'));
    assert.deepEqual(status, {
      type: 'status',
      host: 'github',
      repo: GITOPS,
      sha: pr.headSha,
      status: { state: 'success', context: 'argocd/app', description: '' },
    });
    const res = await api(rig, 'PUT', `pulls/${pr.number}/merge`, {});
    assert.equal(res.status, 200);
    const mergeSha = ((await res.json()) as { sha: string }).sha;
    const merged = await eventually(() => events.find((e) => e.type === 'pull-request' && e.action === 'merged'));
    assert.deepEqual(merged, {
      type: 'pull-request',
      action: 'merged',
      host: 'github',
      repo: GITOPS,
      number: pr.number,
      head: HEAD,
      base: 'main',
      headSha: pr.headSha,
      mergeSha,
      by: 'webhook',
    });
    await rig.stack.idle();
    const deliveries = rig.gh.deliveries(GITOPS);
    assert.ok(
      deliveries.length >= 3 && deliveries.every((d) => d.statusCode === 202),
      JSON.stringify(deliveries.map((d) => d.statusCode)),
    );
    assert.equal(events.filter((e) => e.type === 'pull-request' && e.action === 'merged').length, 1);
  });

  it("a redelivered status adds nothing; a PR whose head is not dispatchd's raises no event", async () => {
    const before = events.length;
    const d = rig.gh.deliveries(GITOPS).find((x) => x.event === 'status')!;
    const again = await rig.gh.deliver(GITOPS, d.hookId, {
      event: 'status',
      payload: d.payload,
      guid: d.guid,
      redelivery: true,
    });
    assert.equal(again.statusCode, 202);
    assert.match(again.responseBody, /duplicate/);
    await rig.gh.git.commit(GITOPS, 'by-hand', { 'staging/extra.yaml': 'x: 1\n' }, 'hand edit');
    assert.equal((await api(rig, 'POST', 'pulls', { head: 'by-hand', base: 'main', title: 'by hand' })).status, 201);
    await eventually(() =>
      rig.gh
        .deliveries(GITOPS)
        .find(
          (x) => x.event === 'pull_request' && x.statusCode === 202 && JSON.stringify(x.payload).includes('by-hand'),
        ),
    );
    await rig.stack.idle();
    assert.equal(events.length, before);
  });
  it('a PR closed without merge is reported, and the next push opens a fresh one', async () => {
    const first = await rig.push('staging', '3.1.0');
    const pr = await eventually(
      async () => {
        const open = rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open');
        const body = await rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml');
        return open && body?.includes(first.sha) ? open : undefined;
      },
      60_000,
      'the PR',
    );
    assert.equal((await api(rig, 'PATCH', `pulls/${pr.number}`, { state: 'closed' })).status, 200);
    const closed = await eventually(() =>
      events.find((e) => e.type === 'pull-request' && e.action === 'closed' && e.number === pr.number),
    );
    assert.equal(closed.type === 'pull-request' && closed.by, 'webhook');
    const next = await rig.push('staging', '3.2.0');
    const fresh = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open' && p.number !== pr.number),
      60_000,
      'a fresh PR',
    );
    assert.match(fresh.body ?? '', new RegExp(next.sha.slice(0, 7)));
    assert.equal(
      rig.gh.pulls(GITOPS).find((p) => p.number === pr.number)?.state,
      'closed',
      'the closed one stays closed',
    );
  });
});

describe('a status webhook wakes the merge job waiting for it', { timeout: 180_000 }, () => {
  let rig: Rig;
  const events: GitopsEvent[] = [];
  before(async () => {
    rig = await rigWith(events, ['-merge-pull-request'], { requiredChecks: ['ci/validate'] });
    await hookUp(rig);
  });
  after(async () => {
    rig?.stack.server.close();
    await rig?.close();
  });

  it('the review job promotes the delayed merge job of that head, which then merges', async () => {
    await rig.push('staging', '4.0.0');
    const pr = await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open'), 60_000);
    // Let the merge job back off a few looks, so that its next look is far enough away.
    await eventually(
      async () => {
        const delayed = await rig.stack.producer.gitops.getDelayed();
        return delayed.find((j) => j.name === 'merge' && (j.data as unknown as { looks: number }).looks >= 4);
      },
      60_000,
      'a merge job several looks in',
    );
    assert.equal(
      (await api(rig, 'POST', `statuses/${pr.headSha}`, { state: 'success', context: 'ci/validate' })).status,
      201,
    );
    const review = await eventually(
      async () => {
        const done = await rig.stack.producer.events.getCompleted();
        return done.find((j) => j.name === 'review' && JSON.stringify(j.returnvalue).includes('merge #'));
      },
      60_000,
      'the review job',
    );
    assert.deepEqual(review.returnvalue, { acted: [`merge #${pr.number}`, 'onGitopsEvent'] });
    await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.number === pr.number && p.merged), 90_000, 'the merge');
  });
});
