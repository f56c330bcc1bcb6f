import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/redis/embedded.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { dispatchfile, gitopsFiles } from '../e2e/fixtures.js';
import { startRedis } from '../helpers/redis.js';
import { signedRequest } from '../helpers/sign.js';
import { githubPush, sleep, spawnWorker } from './harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TOKEN = 'ghp_shutdown_token_0123456789';
const SECRET = 'shutdown-secret';
const APP = 'acme/app';
const GITOPS = 'acme/gitops';
const PUSHES = 12;

describe('graceful shutdown of `dispatchd start` on SIGTERM', () => {
  let gh: GithubEmulator;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-shutdown-'));
    // Slow API answers keep jobs in flight when the signal arrives.
    gh = await startGithubEmulator({ token: TOKEN, latencyMs: 150 });
    await gh.git.createRepo(GITOPS, { files: gitopsFiles });
    await gh.git.createRepo(APP, { files: { Dispatchfile: dispatchfile(`${gh.url}/${GITOPS}`, 'github'), VERSION: '0\n' } });
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
    await writeFile(join(dir, 'dispatchd.yaml'), `
hosts:
  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: ${SECRET} }
repositories: [{ host: github, repo: ${APP} }]
gitops:
  - repo: github:${GITOPS}
    allow: [{ from: "github:acme/*", paths: ["staging/**", "production/**"] }]
dataDir: \${DATA_DIR}
`);
  });
  after(async () => {
    await producer?.close();
    await redis?.stop();
    await gh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops taking webhooks, finishes its in-flight jobs, exits 0, and loses nothing', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start'], {
      env: { ...process.env, DISPATCHD_CONFIG: join(dir, 'dispatchd.yaml'), REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(dir, 'data-1'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const deadline = Date.now() + 30_000;
    while (!out.includes('listening on')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `dispatchd start did not come up: ${out}`);
      await sleep(50);
    }
    const url = `http://127.0.0.1:${port}/hooks/github`;
    const shas: string[] = [];
    for (let n = 1; n <= PUSHES; n++) {
      const branch = n % 2 ? 'staging' : 'production';
      const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
      const sha = await gh.git.commit(APP, branch, { VERSION: `${n}\n` }, `Release ${n}`);
      const signed = signedRequest('github', githubPush(APP, branch, before, sha, gh.url), SECRET, { deliveryId: `shutdown-${n}` });
      const res = await fetch(url, { method: 'POST', headers: signed.headers, body: new Uint8Array(signed.rawBody) });
      assert.equal(res.status, 202, await res.text());
      shas.push(sha);
    }
    // Wait until work is in flight, then ask it to stop.
    while ((await producer.events.getActiveCount()) + (await producer.gitops.getActiveCount()) === 0) await sleep(20);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    const stopMs = Date.now() - t0;
    assert.equal(signal, null, `killed by ${signal}: ${out}`);
    assert.equal(code, 0, `exit code ${code}: ${out}`);
    assert.match(out, /SIGTERM: finishing in-flight work/);
    // Nothing it held is left locked: a job it started either completed or went back to waiting.
    const active = [await producer.events.getActiveCount(), await producer.gitops.getActiveCount()];
    assert.deepEqual(active, [0, 0], 'no job left active (locked) by the stopped process');
    const refused = await fetch(url, { method: 'POST', body: '{}' }).then((r) => r.status, (e: Error) => e.message);
    assert.notEqual(refused, 202, 'the stopped process takes no more webhooks');
    const doneAtExit = await producer.events.getCompletedCount();

    // A new worker picks up whatever was still queued; every push is processed.
    const w = await spawnWorker(join(dir, 'dispatchd.yaml'), redis.url, { DATA_DIR: join(dir, 'data-2') }, join(dir, 'worker.log'));
    try {
      const until = Date.now() + 60_000;
      for (;;) {
        const counts = await Promise.all([producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
        if (counts.every((c) => Object.values(c).every((x) => x === 0))) break;
        assert.ok(Date.now() < until, `queues not idle: ${JSON.stringify(counts)}`);
        await sleep(100);
      }
    } finally {
      await w.kill();
    }
    const completed = await producer.events.getCompleted(0, -1);
    assert.equal(completed.length, PUSHES, 'every push job completed');
    assert.equal(await producer.events.getFailedCount(), 0);
    for (const branch of ['staging', 'production']) {
      const newest = shas[branch === 'staging' ? PUSHES - 2 : PUSHES - 1]!;
      const file = await gh.git.readFile(GITOPS, `dispatchd/github/${APP}/${branch}`, `${branch}/application.yaml`);
      assert.ok(file?.includes(newest), `${branch} PR carries the newest push`);
    }
    console.log(`shutdown: exited 0 ${stopMs} ms after SIGTERM; ${doneAtExit} of ${PUSHES} push jobs done by then, the rest by the next worker`);
  });
});
