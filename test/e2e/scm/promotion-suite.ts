import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { GitopsEvent } from '../../../src/core/gitops-events.js';
import request from 'supertest';
import { ZERO_SHA } from '../../../src/core/push-event.js';
import { environmentsRouter } from '../../../src/http/api/environments.js';
import { rollbackRouter } from '../../../src/http/api/rollback.js';
import { createApp } from '../../../src/http/app.js';
import { signedRequest } from '../../helpers/sign.js';
import { startStack, type Stack } from '../../helpers/stack.js';
import { eventually } from '../fixtures.js';
import type { ScmScenario } from './scenario.js';
import { scenarioConfig } from './suite.js';

const SECRET = 'e2e-promotion-webhook-secret';
const ADMIN = 'e2e-promotion-admin-token';
const GATE = 'argocd/hello-world-staging';

type Promotion = { phase: string; detail: string; source?: string };
type Env = {
  dir: string;
  carries: { sha: string } | null;
  feeds: { promotion: Promotion | null }[];
  fedBy: { behind: { behind: boolean } | null } | null;
  paused: { reason?: string } | null;
  newest: { sha: string };
  last: { outcome: string } | null;
  rollback: { phase: string; to?: string; error?: string } | null;
};

/**
 * staging → production through one SCM's emulator, the gate a status "Argo CD" posts on the
 * merged GitOps commit with that SCM's API. Where the scenario has a GitOps webhook, it is
 * registered through the SCM's API (as docs/promotion.md tells users) and pointed at the
 * receiver; where the SCM also sends status events, the repository's `poll` is set to 10 minutes,
 * so the merge and the gate are noticed within the test's bounds only because their webhooks
 * arrive. Bitbucket Server sends no status event: there the check's own polling finds the gate.
 * Without a webhook (GitHub's own promotion test) polling alone carries it.
 */
export function promotionSuite(name: string, make: () => Promise<ScmScenario>): void {
  describe(`${name}: promotion staging → production, failed gate, rollback and hold`, { timeout: 240_000 }, () => {
    let s: ScmScenario;
    let stack: Stack;
    let admin: ReturnType<typeof createApp>;
    let n = 0;
    const head = (dir: string) => `dispatchd/${s.hostName}/${s.app}/${dir}`;
    const repo = () => `${s.hostName}:${s.gitops}`;
    const envs = async (): Promise<Env[]> =>
      (await request(admin).get('/api/environments').set('authorization', `Bearer ${ADMIN}`)).body.environments;
    const env = async (dir: string) => (await envs()).find((e) => e.dir === dir);
    const adminPost = (path: string, body: object) =>
      request(admin).post(path).set('authorization', `Bearer ${ADMIN}`).send(body);
    const openPr = (dir: string) => s.openPulls().find((p) => p.head === head(dir));
    const file = (ref: string, dir: string) => s.git.readFile(s.gitops, ref, `${dir}/application.yaml`);
    const image = (text: string | null) => /image: (\S+)/.exec(text ?? '')?.[1];

    async function push(version: string) {
      const before = (await s.git.revParse(s.app, 'staging')) ?? ZERO_SHA;
      const sha = await s.git.commit(s.app, 'staging', { VERSION: `${version}\n` }, `Release ${version}`);
      const signed = signedRequest(s.kind, s.pushBody('staging', before, sha, ['VERSION']), SECRET, {
        deliveryId: `${s.kind}-promotion-${++n}`,
      });
      const res = await request(stack.server)
        .post(`/hooks/${s.hostName}`)
        .set(signed.headers)
        .send(signed.rawBody.toString());
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return sha;
    }
    async function mergeStaging(sha: string) {
      const pr = await eventually(
        async () =>
          (await image(await file(head('staging'), 'staging')))?.endsWith(sha) ? openPr('staging') : undefined,
        30_000,
        `the staging pull request for ${sha.slice(0, 7)}`,
      );
      await stack.idle();
      await s.gitopsActions!.merge(pr.number);
      return (await s.git.revParse(s.gitops, 'main'))!;
    }
    const promotion = (phase: string, source: string) =>
      eventually(
        async () => {
          const p = (await env('staging'))?.feeds[0]?.promotion;
          return p?.phase === phase && p.source === source ? p : undefined;
        },
        60_000,
        `promotion ${phase} for ${source.slice(0, 7)}`,
      );

    const events: GitopsEvent[] = [];
    // Long enough that nothing in this suite's bounds happens by polling.
    const eventDriven = () => s.gitopsHook?.sendsStatusEvents === true;
    before(async () => {
      s = await make();
      const promotions = JSON.stringify([{ from: 'staging', to: 'production', gate: { status: { context: GATE } } }]);
      const poll = eventDriven() ? `\n    poll: { first: 10m, max: 10m }` : '';
      stack = await startStack(
        scenarioConfig(s, SECRET).replace('\ndataDir:', `\n    promotions: ${promotions}${poll}\ndataDir:`),
        { onGitopsEvent: (e) => void events.push(e) },
      );
      if (s.gitopsHook) {
        await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
        const port = (stack.server.address() as AddressInfo).port;
        await s.gitopsHook.add(`http://127.0.0.1:${port}/hooks/${s.hostName}`, SECRET);
      }
      admin = createApp({
        redis: stack.producer.redis,
        admin: { token: ADMIN },
        apiRouters: [
          environmentsRouter({ redis: stack.producer.redis, gitops: stack.producer.gitops, config: stack.config }),
          rollbackRouter({ redis: stack.producer.redis, promotions: stack.producer.promotions, config: stack.config }),
        ],
      });
    });
    after(async () => {
      stack?.server.close();
      await stack?.stop();
      await s?.close();
    });
    /** The webhook deliveries of `event` the receiver accepted. */
    const accepted = (event: string) =>
      (s.gitopsHook?.deliveries() ?? []).filter((d) => d.event === event && d.statusCode === 202).length;

    it('a merged staging update waits for its gate; the gate passes → production PR with the same image', async () => {
      const v1 = await push('1.0.0');
      const merged = await mergeStaging(v1);
      const waiting = await promotion('gate-pending', v1);
      assert.match(waiting.detail, new RegExp(`no ${GATE} status yet`));
      assert.equal(openPr('production'), undefined, 'nothing promoted before the gate passes');
      await s.gitopsActions!.postStatus(merged, GATE, 'success', 'Healthy');
      const pr = await eventually(() => openPr('production'), 60_000, 'the production pull request');
      await stack.idle();
      const stagingImage = image(await file('main', 'staging'));
      assert.match(stagingImage ?? '', new RegExp(`staging-${v1}$`));
      assert.equal(image(await file(head('production'), 'production')), stagingImage);
      assert.match(pr.title, /^Promote /);
      assert.match(pr.body, /Promoted from `staging`/);
      assert.match(pr.body, new RegExp(`${GATE} success on ${merged.slice(0, 7)}`));
      assert.equal((await env('production'))?.carries?.sha, v1);
      if (s.gitopsHook) {
        const merged = events.find((e) => e.type === 'pull-request' && e.action === 'merged' && e.by === 'webhook');
        assert.ok(merged, `the merge arrived as a webhook: ${JSON.stringify(s.gitopsHook.deliveries())}`);
      }
      const gateEvent = events.some(
        (e) => e.type === 'status' && e.status.context === GATE && e.status.state === 'success',
      );
      if (eventDriven()) assert.ok(gateEvent, 'the gate status arrived as a webhook');
      // Bitbucket Server: no status event at all, so the check's own polling found the gate.
      else if (s.gitopsHook) assert.equal(gateEvent, false, 'Bitbucket Server sends no status event');
    });

    it('a failed gate promotes nothing; the environments view says why', async () => {
      const prodImage = image(await file(head('production'), 'production'));
      const v2 = await push('2.0.0');
      const merged = await mergeStaging(v2);
      await s.gitopsActions!.postStatus(merged, GATE, 'failure', 'Degraded');
      const failed = await promotion('gate-failed', v2);
      assert.match(
        failed.detail,
        new RegExp(`${GATE} is failure on ${merged.slice(0, 7)}: Degraded; nothing promoted`),
      );
      assert.equal(image(await file(head('production'), 'production')), prodImage);
      assert.equal((await env('production'))?.fedBy?.behind?.behind, true);
    });

    it('rollback holds staging and proposes v1; a push during the hold is applied on resume', async () => {
      const v1 = (await env('production'))!.carries!.sha;
      const res = await adminPost('/api/environments/rollback', { repo: repo(), dir: 'staging', by: 'ops' });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await eventually(
        async () => {
          const r = (await env('staging'))?.rollback;
          return r?.phase === 'done' || r?.phase === 'failed' ? r : undefined;
        },
        30_000,
        'the rollback',
      );
      assert.equal(done.phase, 'done', done.error);
      assert.equal(done.to, v1);
      assert.match(image(await file(head('staging'), 'staging')) ?? '', new RegExp(`staging-${v1}$`));
      assert.match(openPr('staging')?.title ?? '', /^Roll back to /);
      assert.match((await env('staging'))?.paused?.reason ?? '', /^rollback/);
      const v3 = await push('3.0.0');
      await stack.idle();
      // Recorded, not applied: the view names it as the newest push and the run as held.
      const held = await env('staging');
      assert.equal(held?.newest.sha, v3);
      assert.equal(held?.last?.outcome, 'paused');
      assert.match(image(await file(head('staging'), 'staging')) ?? '', new RegExp(`staging-${v1}$`));
      const resumed = await adminPost('/api/environments/resume', { repo: repo(), dir: 'staging' });
      assert.equal(resumed.body.status, 'resumed');
      await eventually(
        async () => ((image(await file(head('staging'), 'staging')) ?? '').endsWith(v3) ? true : undefined),
        30_000,
        'the held push applied on resume',
      );
    });

    it('a PR closed without merge is reported by its webhook, and the next push opens a fresh one', async (t) => {
      if (!s.gitopsHook || !s.gitopsActions?.decline) return t.skip('this SCM scenario has no GitOps webhook');
      const pr = openPr('staging')!;
      await s.gitopsActions.decline(pr.number);
      await eventually(
        () =>
          events.find((e) => e.type === 'pull-request' && e.action === 'closed' && e.number === pr.number)
            ? true
            : undefined,
        30_000,
        'the closed event',
      );
      const v4 = await push('4.0.0');
      const fresh = await eventually(
        async () => {
          const open = openPr('staging');
          return open && open.number !== pr.number && (image(await file(head('staging'), 'staging')) ?? '').endsWith(v4)
            ? open
            : undefined;
        },
        30_000,
        'a fresh staging pull request',
      );
      assert.notEqual(fresh.number, pr.number);
      assert.equal(s.openPulls().filter((p) => p.head === head('staging')).length, 1, 'the closed one stays closed');
      assert.ok(
        accepted(
          s.kind === 'gitlab'
            ? 'Merge Request Hook'
            : s.kind === 'bitbucket-cloud'
              ? 'pullrequest:rejected'
              : 'pr:declined',
        ) >= 1,
      );
    });
  });
}
