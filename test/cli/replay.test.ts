import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/redis/embedded.js';
import { FIXTURES } from '../e2e/fixtures.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { listen, runCli } from './run-cli.js';

const fixture = (p: string) => new URL(p, FIXTURES).pathname;

// One host per SCM, each with its own secret, serving the repositories the captured payloads name.
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
  - { host: gl, repo: gitlab-org/hello-world }
  - { host: bbc, repo: brydzewski/foo }
  - { host: bbs, repo: PRJ/my-repo }
  - { host: plain, repo: acme/app.git }
dataDir: \${DATA_DIR}
`;

describe('dispatchd replay: signs a stored payload as its SCM does and the real receiver accepts it', () => {
  let stack: Stack;
  let url: string;
  let dir: string;
  let cliConfig: string;
  const env = () => ({ DISPATCHD_CONFIG: cliConfig });

  before(async () => {
    stack = await startStack(config((h) => `${h}-secret-1f9e`), { workers: false });
    url = await listen(stack.server);
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-cli-replay-'));
    cliConfig = join(dir, 'config.yaml');
    await writeFile(cliConfig, config((h) => `${h}-secret-1f9e`).replace('${DATA_DIR}', dir));
    await writeFile(join(dir, 'git-push.json'), JSON.stringify({ repo: 'acme/app.git', ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40), pusher: 'ops' }));
  });
  after(async () => {
    await new Promise<void>((r) => stack.server.close(() => r()));
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('infers each SCM\'s push event from a captured payload, signs it, and each push is queued (exit 0)', async () => {
    const cases = [
      ['gh', fixture('github/gpw-push.json')],
      ['gl', fixture('gitlab/goscm-push.json')],
      ['bbc', fixture('bitbucket-cloud/goscm-push.json')],
      ['bbs', fixture('bitbucket-server/goscm-push.json')],
      ['plain', join(dir, 'git-push.json')],
    ] as const;
    const before = await stack.producer.events.count();
    // Operators' processes are independent; running them together keeps the file quick.
    const runs = await Promise.all(cases.map(([host, path]) => runCli(['replay', path, '--host', host, '--url', url], env())));
    runs.forEach((r, i) => {
      const host = cases[i]![0];
      assert.equal(r.code, 0, `${host}: ${r.stderr}`);
      assert.match(r.stdout, /^HTTP 202 /, host);
      assert.match(r.stdout, /"status":"queued"/, `${host}: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(`to ${url}/hooks/${host} as `), host);
    });
    assert.equal(await stack.producer.events.count(), before + cases.length, 'one push job per replay');
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

  it('exit 1 with the 401 when the running service has another secret than the config here', async () => {
    const other = join(dir, 'other.yaml');
    await writeFile(other, config((h) => `${h}-rotated-away`).replace('${DATA_DIR}', dir));
    const r = await runCli(['replay', fixture('gitlab/goscm-push.json'), '--host', 'gl', '--url', url], { DISPATCHD_CONFIG: other });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^HTTP 401 /);
    assert.match(r.stderr, /different webhookSecret/);
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
    const r = await runCli(['replay', fixture('github/gpw-push.json'), '--host', 'gh', '--url', `http://127.0.0.1:${port}`], env());
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/hooks/gh \\(ECONNREFUSED\\)`));
  });
});
