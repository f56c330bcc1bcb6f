import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ZERO_SHA } from '../../src/core/push-event.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';
import { scmDispatchfile } from './scm/dispatchfile.js';
import { githubScenario } from './scm/github.js';
import type { ScmScenario } from './scm/scenario.js';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const SECRETS: Record<string, string> = {
  github: 'secret-of-github-com',
  ghe: 'secret-of-the-enterprise',
  ghapp: 'secret-of-the-app-host',
};

const grant = (s: ScmScenario) =>
  `  - repo: "${s.hostName}:${s.gitops}"\n    allow:\n      - from: "${s.hostName}:${s.app}"\n        paths: ["staging/**", "production/**"]\n`;

/**
 * Several hosts in one service: two GitHub instances of one kind with their own secret and token,
 * a third that authenticates as a GitHub App, and a Dispatchfile that aims at a host the operator
 * never configured.
 */
describe('several SCM hosts in one service', () => {
  let hosts: Record<'github' | 'ghe' | 'ghapp', ScmScenario>;
  let stray: Server;
  let strayRequests = 0;
  let stack: Stack;
  let n = 0;

  before(async () => {
    stray = createServer((_req, res) => {
      strayRequests += 1;
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => stray.listen(0, '127.0.0.1', r));
    const [github, ghe, ghapp] = await Promise.all([
      githubScenario({ hostName: 'github', token: 'ghp_public_token_1111111111' }),
      githubScenario({ hostName: 'ghe', token: 'ghp_enterprise_token_2222222' }),
      githubScenario({
        hostName: 'ghapp',
        app: { id: '31337', publicKeyPem: keys.publicKey, privateKeyPem: keys.privateKey, installationId: 9 },
      }),
    ]);
    hosts = { github, ghe, ghapp };
    const all = Object.values(hosts);
    stack = await startStack(`
hosts:
${all.map((s) => s.hostYaml(SECRETS[s.hostName]!)).join('')}
repositories:
${all.map((s) => `  - host: ${s.hostName}\n    repo: ${s.app}\n`).join('')}
gitops:
${all.map(grant).join('')}
dataDir: \${DATA_DIR}
`);
  });
  after(async () => {
    await stack?.stop();
    await Promise.all(Object.values(hosts ?? {}).map((s) => s.close()));
    stray?.close();
  });

  async function push(
    s: ScmScenario,
    branch: string,
    files: Record<string, string>,
    opts: { hook?: string; secret?: string } = {},
  ) {
    const before = (await s.git.revParse(s.app, branch)) ?? ZERO_SHA;
    const sha = await s.git.commit(s.app, branch, files, 'Change');
    const signed = signedRequest(
      'github',
      s.pushBody(branch, before, sha, Object.keys(files)),
      opts.secret ?? SECRETS[s.hostName]!,
      { deliveryId: `hosts-${++n}` },
    );
    const res = await request(stack.server)
      .post(`/hooks/${opts.hook ?? s.hostName}`)
      .set(signed.headers)
      .send(signed.rawBody.toString());
    return { sha, res };
  }

  const deployStatus = async (s: ScmScenario, sha: string, state: string) =>
    eventually(
      () => s.statuses(sha).find((st) => st.context === 'dispatchd/deploy' && st.state === state),
      30_000,
      `${s.hostName}: dispatchd/deploy ${state} on ${sha.slice(0, 7)}`,
    );

  it('two hosts of one kind each accept only their own secret and get PRs with their own token', async () => {
    const wrong = await push(hosts.ghe, 'staging', { VERSION: '0.1\n' }, { hook: 'github', secret: SECRETS.ghe });
    assert.equal(wrong.res.status, 401, 'the enterprise secret is not accepted on /hooks/github');
    const a = await push(hosts.github, 'staging', { VERSION: '1.0.0\n' });
    const b = await push(hosts.ghe, 'staging', { VERSION: '2.0.0\n' });
    assert.equal(a.res.status, 202);
    assert.equal(b.res.status, 202);
    const sa = await deployStatus(hosts.github, a.sha, 'success');
    const sb = await deployStatus(hosts.ghe, b.sha, 'success');
    assert.equal(hosts.github.openPulls().length, 1);
    assert.equal(hosts.ghe.openPulls().length, 1);
    assert.match(sa.url, hosts.github.pullUrl(hosts.github.openPulls()[0]!.number));
    assert.match(sb.url, hosts.ghe.pullUrl(hosts.ghe.openPulls()[0]!.number));
    assert.match(
      (await hosts.ghe.git.readFile(
        hosts.ghe.gitops,
        `dispatchd/ghe/${hosts.ghe.app}/staging`,
        'staging/application.yaml',
      )) ?? '',
      new RegExp(b.sha),
    );
  });

  it('a GitHub App host opens its pull request with an installation token', async () => {
    const { sha, res } = await push(hosts.ghapp, 'staging', { VERSION: '3.0.0\n' });
    assert.equal(res.status, 202);
    const st = await deployStatus(hosts.ghapp, sha, 'success');
    const pr = hosts.ghapp.openPulls()[0];
    assert.ok(pr, 'a pull request on the app host');
    assert.match(st.url, hosts.ghapp.pullUrl(pr.number));
    assert.match(
      (await hosts.ghapp.git.readFile(hosts.ghapp.gitops, pr.head, 'staging/application.yaml')) ?? '',
      new RegExp(sha),
    );
  });

  it('a Dispatchfile that aims at an unconfigured host fails its task before any fetch, saying why', async () => {
    const s = hosts.ghe;
    const url = `http://127.0.0.1:${(stray.address() as AddressInfo).port}/acme/gitops.git`;
    const { sha, res } = await push(s, 'production', {
      Dispatchfile: scmDispatchfile(url, 'github'),
      VERSION: '4.0.0\n',
    });
    assert.equal(res.status, 202);
    const failed = await eventually(
      () => s.statuses(sha).find((st) => st.state === 'failure' || st.state === 'error'),
      30_000,
      'a failed status',
    );
    assert.match(failed.description, /no configured host/);
    await stack.idle();
    assert.equal(strayRequests, 0, 'nothing was sent to the unconfigured host');
    assert.equal(s.openPulls().length, 1, 'no pull request beyond the staging one');
  });
});
