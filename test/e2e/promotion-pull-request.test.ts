import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { deployment } from '../gitops/rig.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'ghp_promotion_pull_request_0123456789';
const SECRET = 'promotion-pull-request-secret';
const APP = 'acme/hello-world';
const GITOPS = 'acme/hello-world-gitops';
const STAGING_HEAD = `dispatchd/github/${APP}/staging`;
const PROD_HEAD = `dispatchd/github/${APP}/production`;
const GATE = 'argocd/hello-world-staging';
const IMAGE = 'registry.example.com/acme/hello-world';

/**
 * A staging update planned by a pull request (Dispatchfile `pull_request` action), merged and
 * gated, promoted into production: the promoted update keeps its pull-request origin, so the
 * production grant must say `pullRequests: true` too. GitHub emulator, real service over
 * redis-server; the GitOps repository's webhooks (merge, gate status) wake the promotion check.
 */
function promotionOfPullRequest(productionPullRequests: boolean): void {
  const title = productionPullRequests
    ? 'a production grant with pullRequests: true takes the promotion of a pull-request update'
    : 'a production grant without pullRequests: true refuses the promotion of a pull-request update';
  describe(title, { timeout: 180_000 }, () => {
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
    const openPr = (head: string) => gh.pulls(GITOPS).find((p) => p.head === head && p.state === 'open');

    before(async () => {
      gh = await startGithubEmulator({ token: TOKEN });
      await gh.git.createRepo(GITOPS, {
        files: {
          'README.md': '# gitops\n',
          'staging/app.yaml.tmpl': deployment('staging'),
          'production/app.yaml.tmpl': deployment('production'),
        },
      });
      await gh.git.createRepo(APP, {
        files: { Dispatchfile: prDispatchfile({ gitopsUrl: `${gh.url}/${GITOPS}`, dir: 'staging' }), VERSION: '1\n' },
      });
      stack = await startStack(`
hosts:
  github: {kind: github, url: "${gh.url}", apiUrl: "${gh.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: github, repo: ${APP}}
gitops:
  - repo: github:${GITOPS}
    allow:
      - {from: "github:${APP}", pullRequests: true, paths: ["staging/**"]}
      - {from: "github:${APP}", pullRequests: ${productionPullRequests}, paths: ["production/**"]}
    promotions: [{from: staging, to: production, gate: {status: {context: ${GATE}}}}]
dataDir: \${DATA_DIR}
`);
      await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/github`;
      gh.addHook(APP, { url, secret: SECRET, events: ['pull_request'] });
      gh.addHook(GITOPS, { url, secret: SECRET, events: ['pull_request', 'status'] });
    });
    after(async () => {
      stack?.server.close();
      await stack?.stop();
      await gh?.close();
    });

    it('the staging update of an opened pull request, merged and gated, is promoted only where granted', async () => {
      const head = await gh.git.commit(APP, 'feature', { VERSION: '2\n' }, 'v2');
      assert.equal(
        (await api('POST', `${APP}/pulls`, { title: 'Feature', head: 'feature', base: 'main' })).status,
        201,
      );
      const staging = await eventually(() => openPr(STAGING_HEAD), 60_000, 'the staging pull request');
      await stack.idle(60_000);
      assert.equal(
        (await api('PUT', `${GITOPS}/pulls/${staging.number}/merge`, { merge_method: 'merge' })).status,
        200,
      );
      const merged = (await gh.git.revParse(GITOPS, 'main'))!;
      assert.match((await gh.git.readFile(GITOPS, 'main', 'staging/app.yaml')) ?? '', new RegExp(`${IMAGE}:${head}`));
      const gate = await api('POST', `${GITOPS}/statuses/${merged}`, { state: 'success', context: GATE });
      assert.equal(gate.status, 201);

      if (productionPullRequests) {
        await eventually(() => openPr(PROD_HEAD), 60_000, 'the production pull request');
        await stack.idle(60_000);
        const prod = (await gh.git.readFile(GITOPS, PROD_HEAD, 'production/app.yaml')) ?? '';
        assert.match(prod, new RegExp(`image: ${IMAGE}:${head}\\n`));
        return;
      }
      const refused = await eventually(
        () => gh.statuses(APP, head).find((s) => s.context === 'dispatchd/promote/production' && s.state !== 'pending'),
        60_000,
        'the promotion refused',
      );
      assert.equal(refused.state, 'failure');
      assert.match(
        refused.description ?? '',
        /^not granted: production\/app\.yaml only in rules without allow\[\]\.pullRequests: true/,
      );
      await stack.idle(60_000);
      assert.equal(openPr(PROD_HEAD), undefined, 'nothing written for production');
      assert.ok(!(await gh.git.branches(GITOPS)).includes(PROD_HEAD));
    });
  });
}

promotionOfPullRequest(false);
promotionOfPullRequest(true);
