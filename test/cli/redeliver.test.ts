import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { githubPushPayload } from '../helpers/github-push.js';
import { listen, runCli } from './run-cli.js';

const TOKEN = 'ghp_cli_redeliver_7a1e90';
const SECRET = 'redeliver-secret-4c2d';
const APP = 'acme/hello-world';
const sha = (n: number) => n.toString(16).padStart(40, '0');

const config = (gh: GithubEmulator, token: string, dataDir: string) => `
hosts:
  github:
    kind: github
    url: ${gh.url}
    apiUrl: ${gh.apiUrl}
    token: ${token}
    webhookSecret: ${SECRET}
  lab:
    kind: gitlab
    url: https://gitlab.example.com
    token: t
    webhookSecret: s
repositories:
  - host: github
    repo: ${APP}
dataDir: ${dataDir}
`;

describe('dispatchd redeliver: finds failed GitHub deliveries and has GitHub send them again', () => {
  let gh: GithubEmulator;
  let stack: Stack;
  let dir: string;
  let offsetMs = 0;
  let hook: number;
  let otherHook: number;
  const guids: Record<string, string> = {};
  const env = (file = 'config.yaml') => ({ DISPATCHD_CONFIG: join(dir, file) });

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN, now: () => Date.now() + offsetMs });
    await gh.git.createRepo(APP, { files: { VERSION: '1\n' } });
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-cli-redeliver-'));
    stack = await startStack(config(gh, TOKEN, '${DATA_DIR}'), { workers: false });
    const url = await listen(stack.server);
    await writeFile(join(dir, 'config.yaml'), config(gh, TOKEN, dir));
    await writeFile(join(dir, 'bad-token.yaml'), config(gh, 'ghp_revoked', dir));
    hook = gh.addHook(APP, { url: `${url}/hooks/github`, secret: SECRET });
    otherHook = gh.addHook(APP, { url: 'http://127.0.0.1:1/ci-server', secret: 'ci' });
    const push = (n: number) => ({
      event: 'push',
      payload: githubPushPayload({ repo: APP, branch: 'staging', before: sha(n), after: sha(n + 1), base: gh.url }),
    });

    // Three hours ago, outside --since 2h: left alone.
    offsetMs = -3 * 3_600_000;
    guids.old = gh.recordDelivery(APP, hook, { ...push(10), statusCode: 503 }).guid;
    offsetMs = -30 * 60_000;
    guids.a = gh.recordDelivery(APP, hook, { ...push(20), statusCode: 503 }).guid;
    guids.b = gh.recordDelivery(APP, hook, { ...push(30), statusCode: 0 }).guid;
    // B was already redelivered once, and that failed too: still one redelivery, not two.
    gh.recordDelivery(APP, hook, { ...push(30), guid: guids.b, statusCode: 502, redelivery: true });
    guids.c = gh.recordDelivery(APP, hook, { ...push(40), statusCode: 500 }).guid;
    gh.recordDelivery(APP, hook, { ...push(40), guid: guids.c, statusCode: 202, redelivery: true });
    gh.recordDelivery(APP, otherHook, { ...push(50), statusCode: 503 });
    offsetMs = 0;
    // Newer successes push the failures onto the second page of GitHub's cursor paging.
    for (let i = 0; i < 120; i++) gh.recordDelivery(APP, hook, { ...push(1000 + 2 * i), statusCode: 202 });
  });
  after(async () => {
    await new Promise<void>((r) => stack.server.close(() => r()));
    await stack?.stop();
    await gh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const redeliveries = () =>
    gh.deliveries(APP).filter((d) => d.redelivery && d.id > 0 && d.statusCode === 202 && d.guid !== guids.c);

  it('--dry-run lists the two events to redeliver and changes nothing', async () => {
    const count = gh.deliveries(APP).length;
    const r = await runCli(['redeliver', '--host', 'github', '--since', '2h', '--dry-run'], env());
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('would redeliver acme/'));
    assert.equal(lines.length, 2, r.stdout);
    assert.ok(lines[0]!.includes(guids.a!) && lines[1]!.includes(guids.b!), 'oldest first, one line per event');
    assert.match(
      r.stdout,
      /would redeliver 2 failed deliveries since .* \(1 already redelivered successfully, left alone\)/,
    );
    assert.equal(gh.deliveries(APP).length, count);
  });

  it('redelivers each failed event once, through the real receiver, and says so', async () => {
    const queued = (await stack.drained(), await stack.producer.events.count());
    const r = await runCli(['redeliver', '--host', 'github', '--since', '2h'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^redelivered 2 failed deliveries since \S+ on github \(1 already redelivered successfully, left alone\)\n {2}acme\/hello-world hook \d+: 2 of 2\n$/,
    );
    assert.match(r.stderr, /read 1\d\d deliveries/, 'progress while paging');
    assert.match(r.stderr, /redelivering 2\/2/);
    const sent = gh.deliveries(APP, hook).filter((d) => d.redelivery && d.statusCode === 202 && d.guid !== guids.c);
    assert.deepEqual(sent.map((d) => d.guid).sort(), [guids.a, guids.b].sort());
    assert.equal(gh.deliveries(APP, otherHook).length, 1, "another service's hook is not touched");
    assert.ok(!gh.deliveries(APP).some((d) => d.guid === guids.old && d.redelivery), 'older than --since: left alone');
    assert.equal(
      (await stack.drained(), await stack.producer.events.count()),
      queued + 2,
      'both pushes reached the queue',
    );
    assert.equal(redeliveries().length, 2);
  });

  it('a second run finds nothing left to redeliver', async () => {
    const r = await runCli(['redeliver', '--host', 'github', '--since', '2h', '--repo', APP], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^redelivered 0 failed deliveries since \S+ on github \(3 already redelivered successfully, left alone\)\n$/,
    );
  });

  it('exit 1 with what the token needs when GitHub refuses it; exit 2 for a non-GitHub host or a bad --since', async () => {
    const [refused, gitlab, since] = await Promise.all([
      runCli(['redeliver', '--host', 'github', '--since', '2h'], env('bad-token.yaml')),
      runCli(['redeliver', '--host', 'lab', '--since', '2h'], env()),
      runCli(['redeliver', '--host', 'github', '--since', 'yesterday'], env()),
    ]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /acme\/hello-world: cannot list hooks: .*the token is invalid or expired: replace it in the config/,
    );
    assert.match(refused.stdout, /1 problem: see the messages above/);
    assert.equal(gitlab.code, 2);
    assert.match(gitlab.stderr, /--host lab is a gitlab host; redeliver asks GitHub's hook-deliveries API/);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since "yesterday": give an ISO time .* or an age such as 30m, 2h or 7d/);
  });
});
