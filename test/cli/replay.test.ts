import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createLogger } from '../../src/log/logger.js';
import { freePort } from '../../src/redis/embedded.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { FIXTURES } from '../e2e/fixtures.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { listen, runCli } from './run-cli.js';

const ADMIN = 'adm-cli-replay-token-9a4d7e';

const fixture = (p: string) => new URL(p, FIXTURES).pathname;

// One host per SCM, each with its own secret, serving the repositories the captured payloads name;
// the GitLab repository has a secret of its own, which replay must sign with.
const config = (secret: (host: string) => string) => `
hosts:
  gh:
    kind: github
    url: https://github.com
    token: t
    webhookSecret: ${secret('gh')}
  gl:
    kind: gitlab
    url: https://gitlab.com
    token: t
    webhookSecret: ${secret('gl')}
  bbc:
    kind: bitbucket-cloud
    url: https://bitbucket.org
    token: t
    webhookSecret: ${secret('bbc')}
  bbs:
    kind: bitbucket-server
    url: https://bitbucket.example.com
    token: t
    webhookSecret: ${secret('bbs')}
  plain:
    kind: git
    url: https://git.example.com
    webhookSecret: ${secret('plain')}
repositories:
  - { host: gh, repo: binkkatal/sample_app }
  - { host: gl, repo: gitlab-org/hello-world, webhookSecret: ${secret('gl')}-repo }
  - { host: bbc, repo: brydzewski/foo }
  - { host: bbs, repo: PRJ/my-repo }
  - { host: plain, repo: acme/app.git }
dataDir: \${DATA_DIR}
`;

describe("dispatchd replay: signs a stored payload as its SCM does and the admin API's replay route accepts it", () => {
  let stack: Stack;
  let server: Server;
  let url: string;
  let dir: string;
  let cliConfig: string;
  const env = (): Record<string, string> => ({ DISPATCHD_CONFIG: cliConfig, DISPATCHD_ADMIN_TOKEN: ADMIN });

  before(async () => {
    stack = await startStack(
      config((h) => `${h}-secret-1f9e`),
      { workers: false },
    );
    server = buildReceiver(stack.config, stack.producer, createLogger({ level: 'silent' }), undefined, {
      adminToken: ADMIN,
    });
    url = await listen(server);
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-cli-replay-'));
    cliConfig = join(dir, 'config.yaml');
    await writeFile(cliConfig, config((h) => `${h}-secret-1f9e`).replace('${DATA_DIR}', dir));
    await writeFile(
      join(dir, 'git-push.json'),
      JSON.stringify({
        repo: 'acme/app.git',
        ref: 'refs/heads/main',
        before: 'a'.repeat(40),
        after: 'b'.repeat(40),
        pusher: 'ops',
      }),
    );
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("infers each SCM's push event from a captured payload, signs it, and each push is queued (exit 0)", async () => {
    const cases = [
      ['gh', fixture('github/gpw-push.json')],
      ['gl', fixture('gitlab/goscm-push.json')],
      ['bbc', fixture('bitbucket-cloud/goscm-push.json')],
      ['bbs', fixture('bitbucket-server/goscm-push.json')],
      ['plain', join(dir, 'git-push.json')],
    ] as const;
    const before = (await stack.drained(), await stack.producer.events.count());
    // Operators' processes are independent; running them together keeps the file quick.
    const runs = await Promise.all(
      cases.map(([host, path]) => runCli(['replay', path, '--host', host, '--url', url], env())),
    );
    runs.forEach((r, i) => {
      const host = cases[i]![0];
      assert.equal(r.code, 0, `${host}: ${r.stderr}`);
      assert.match(r.stdout, /^HTTP 202 /, host);
      assert.match(r.stdout, /"status":"queued"/, `${host}: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(`to ${url}/api/replay/${host} as `), host);
    });
    assert.equal(
      (await stack.drained(), await stack.producer.events.count()),
      before + cases.length,
      'one push job per replay',
    );
  });

  it('sends a given delivery id; the same id again is a duplicate, still 2xx', async () => {
    const path = fixture('github/gpw-push.json');
    const first = await runCli(['replay', path, '--host', 'gh', '--url', url, '--delivery-id', 'replayed-once'], env());
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /"status":"queued"/);
    const again = await runCli(['replay', path, '--host', 'gh', '--url', url, '--delivery-id', 'replayed-once'], env());
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /"status":"duplicate"/);
  });

  it('queues a body already delivered to /hooks, which refuses it there under a new delivery id', async () => {
    const path = fixture('bitbucket-server/goscm-push.json');
    const body = await readFile(path);
    const hook = (id: string) => {
      const signed = signedRequest('bitbucket-server', body, 'bbs-secret-1f9e', { deliveryId: id });
      return request(server).post('/hooks/bbs').set(signed.headers).send(body.toString());
    };
    assert.equal((await hook('bbs-first')).body.status, 'queued');
    assert.equal((await hook('bbs-second')).body.status, 'duplicate', 'a replay through /hooks adds nothing');
    const r = await runCli(['replay', path, '--host', 'bbs', '--url', url], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"status":"queued"/);
  });

  it('exit 1 with the 401 when the running service has another secret than the config here', async () => {
    const other = join(dir, 'other.yaml');
    await writeFile(other, config((h) => `${h}-rotated-away`).replace('${DATA_DIR}', dir));
    const r = await runCli(['replay', fixture('gitlab/goscm-push.json'), '--host', 'gl', '--url', url], {
      DISPATCHD_CONFIG: other,
      DISPATCHD_ADMIN_TOKEN: ADMIN,
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^HTTP 401 /);
    assert.match(r.stderr, /different webhookSecret/);
  });

  it('needs DISPATCHD_ADMIN_TOKEN (exit 2), and says so when the service refuses it (exit 1)', async () => {
    const path = fixture('github/gpw-push.json');
    const [none, wrong] = await Promise.all([
      runCli(['replay', path, '--host', 'gh', '--url', url], { DISPATCHD_CONFIG: cliConfig }),
      runCli(['replay', path, '--host', 'gh', '--url', url], {
        DISPATCHD_CONFIG: cliConfig,
        DISPATCHD_ADMIN_TOKEN: 'not-the-token',
      }),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs DISPATCHD_ADMIN_TOKEN/);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^HTTP 401 /);
    assert.match(wrong.stderr, /the admin token was refused/);
  });

  it('exit 2 naming the fix for an unknown host, an unreadable file, an unknown event, no config', async () => {
    await writeFile(join(dir, 'issue.json'), '{"action":"opened","issue":{}}');
    const push = fixture('github/gpw-push.json');
    const [unknown, missing, event, noConfig] = await Promise.all([
      runCli(['replay', push, '--host', 'nope', '--url', url], env()),
      runCli(['replay', join(dir, 'absent.json'), '--host', 'gh', '--url', url], env()),
      runCli(['replay', join(dir, 'issue.json'), '--host', 'gh', '--url', url], env()),
      runCli(['replay', push, '--host', 'gh', '--url', url]),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--host nope: no such host in the config; configured hosts: gh, gl, bbc, bbs, plain/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the payload \(ENOENT\)/);
    assert.equal(event.code, 2);
    assert.match(event.stderr, /pass --event/);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /DISPATCHD_CONFIG is not set/);
  });

  it('exit 1 saying where it tried when nothing listens', async () => {
    const port = await freePort();
    const r = await runCli(
      ['replay', fixture('github/gpw-push.json'), '--host', 'gh', '--url', `http://127.0.0.1:${port}`],
      env(),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/api/replay/gh \\(ECONNREFUSED\\)`));
  });
});
