import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { ScmKind } from '../../src/core/push-event.js';
import { signStandardWebhook } from '../../src/scm/signature.js';
import { fixture } from '../e2e/fixtures.js';
import { githubPushBody } from '../helpers/github-push.js';
import { gitlabPushBody } from '../helpers/gitlab-push.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Two teams on one host: the host secret is known to every team, so a repository can have its own.
const config = `
hosts:
  github:
    kind: github
    url: https://github.com
    token: t
    webhookSecret: gh-host-secret
  gitlab:
    kind: gitlab
    url: https://gitlab.com
    token: t
    webhookSecret: gl-host-secret
repositories:
  - { host: github, repo: team-a/app, webhookSecret: team-a-secret }
  - { host: github, repo: team-b/app, webhookSecret: [team-b-old, team-b-new] }
  - { host: github, repo: shared/app }
  - { host: gitlab, repo: group/own, webhookSecret: gl-own-secret }
  - { host: gitlab, repo: group/plain }
dataDir: \${DATA_DIR}
`;

let n = 0;
const githubPush = (repo: string) => githubPushBody({ repo, after: (++n).toString(16).padStart(40, 'e') });
const gitlabPush = (repo: string) => gitlabPushBody({ repo, after: (++n).toString(16).padStart(40, 'f') });

describe('per-repository webhook secrets, through the real receiver', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack(config, { workers: false });
  });
  after(() => stack?.stop());

  const send = async (
    kind: ScmKind,
    host: string,
    body: string,
    secret: string,
    opts: { event?: string; standardWebhooks?: boolean } = {},
  ) => {
    const deliveryId = `d-${++n}`;
    const signed = signedRequest(kind, body, secret, { deliveryId, ...opts });
    const res = await request(stack.server).post(`/hooks/${host}`).set(signed.headers).send(body);
    return { res, deliveryId };
  };
  const isQueued = async (deliveryId: string) =>
    (await stack.drained(),
    await stack.producer.events.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).some(
      (j) => j.data.event.deliveryId === deliveryId,
    );

  describe('GitHub (HMAC over the body)', () => {
    it('a repository with its own secret accepts a push signed with it', async () => {
      const { res, deliveryId } = await send('github', 'github', githubPush('team-a/app'), 'team-a-secret');
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(res.body.queued, [deliveryId]);
    });

    it('accepts any secret of its list (rotation)', async () => {
      for (const secret of ['team-b-old', 'team-b-new']) {
        const { res } = await send('github', 'github', githubPush('team-b/app'), secret);
        assert.equal(res.body.status, 'queued', secret);
      }
    });

    it("refuses the host secret and another repository's secret: 401, nothing queued", async () => {
      for (const secret of ['gh-host-secret', 'team-b-new']) {
        const { res, deliveryId } = await send('github', 'github', githubPush('team-a/app'), secret);
        assert.equal(res.status, 401, secret);
        assert.equal(res.body.error, 'repository_secret_required');
        assert.match(res.body.message, /repository team-a\/app has its own webhook secret/);
        assert.ok(!(await isQueued(deliveryId)), `${secret}: nothing queued`);
      }
    });

    it("a repository without its own secret accepts the host secret only, not another repository's", async () => {
      assert.equal(
        (await send('github', 'github', githubPush('shared/app'), 'gh-host-secret')).res.body.status,
        'queued',
      );
      const { res, deliveryId } = await send('github', 'github', githubPush('shared/app'), 'team-a-secret');
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'host_secret_required');
      assert.match(
        res.body.message,
        /shared\/app has no webhook secret of its own, so only host github's webhookSecret/,
      );
      assert.ok(!(await isQueued(deliveryId)));
    });

    it("a repository's secret does not speak for a repository outside the config either", async () => {
      const { res } = await send('github', 'github', githubPush('someone/else'), 'team-a-secret');
      assert.equal(res.status, 401);
      assert.equal(
        (await send('github', 'github', githubPush('someone/else'), 'gh-host-secret')).res.body.status,
        'ignored',
      );
    });

    it('a secret nobody configured is refused before parsing; a ping signed with a repository secret is answered', async () => {
      assert.equal(
        (await send('github', 'github', githubPush('team-a/app'), 'guessed')).res.body.error,
        'signature_invalid',
      );
      const ping = await send('github', 'github', JSON.stringify(fixture('github/goscm-ping.json')), 'team-a-secret', {
        event: 'ping',
      });
      assert.equal(ping.res.status, 200);
      assert.equal(ping.res.body.status, 'pong');
    });
  });

  describe('GitLab (X-Gitlab-Token, checked before the body is read)', () => {
    it("the token may be the host's or one of the host's repositories' secrets, anything else is refused at once", async () => {
      const guessed = await send('gitlab', 'gitlab', gitlabPush('group/own'), 'guessed');
      assert.equal(guessed.res.status, 401);
      assert.match(guessed.res.body.message, /X-Gitlab-Token does not match/);
      // Another host's repository secret is not one of this host's.
      const otherHost = await send('gitlab', 'gitlab', gitlabPush('group/own'), 'team-a-secret');
      assert.equal(otherHost.res.body.error, 'signature_invalid');
    });

    it("then the repository decides: its own token only when it has one, the host's otherwise", async () => {
      const own = await send('gitlab', 'gitlab', gitlabPush('group/own'), 'gl-own-secret');
      assert.equal(own.res.status, 202, JSON.stringify(own.res.body));
      assert.deepEqual(own.res.body.queued, [own.deliveryId]);
      const hostToken = await send('gitlab', 'gitlab', gitlabPush('group/own'), 'gl-host-secret');
      assert.equal(hostToken.res.status, 401);
      assert.match(hostToken.res.body.message, /group\/own has its own webhook secret/);
      assert.equal(
        (await send('gitlab', 'gitlab', gitlabPush('group/plain'), 'gl-host-secret')).res.body.status,
        'queued',
      );
      const borrowed = await send('gitlab', 'gitlab', gitlabPush('group/plain'), 'gl-own-secret');
      assert.equal(borrowed.res.status, 401);
      assert.equal(borrowed.res.body.error, 'host_secret_required');
      for (const d of [hostToken.deliveryId, borrowed.deliveryId]) assert.ok(!(await isQueued(d)));
    });

    it('a token and a Standard Webhooks signature must both belong to the repository', async () => {
      const both = await send('gitlab', 'gitlab', gitlabPush('group/own'), 'gl-own-secret', { standardWebhooks: true });
      assert.equal(both.res.body.status, 'queued');
      // The repository's token, but the body signed with the host's secret.
      const body = gitlabPush('group/own');
      const signed = signedRequest('gitlab', body, 'gl-own-secret', { deliveryId: 'mixed-1', standardWebhooks: true });
      const ts = Number(signed.headers['webhook-timestamp']);
      const headers = {
        ...signed.headers,
        'webhook-signature': signStandardWebhook('mixed-1', ts, body, 'gl-host-secret'),
      };
      const mixed = await request(stack.server).post('/hooks/gitlab').set(headers).send(body);
      assert.equal(mixed.status, 401);
      assert.equal(mixed.body.error, 'repository_secret_required');
      assert.ok(!(await isQueued('mixed-1')));
    });
  });
});
