import assert from 'node:assert/strict';
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
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { nodeEntry } from '../helpers/node-entry.js';
import { groupRedis, sleep, spawnDispatchd, spawnWorker, type DispatchdProcess } from './harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TOKEN = 'ghp_shutdown_token_0123456789';
const SECRET = 'shutdown-secret';
const APP = 'acme/app';
const GITOPS = 'acme/gitops';
const PUSHES = 12;

/** The config every case runs; `extra` adds top-level YAML (shutdownTimeout, workers). */
function configYaml(gh: GithubEmulator, apps: string[], extra = ''): string {
  return `
hosts:
  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: ${SECRET} }
repositories: [${apps.map((a) => `{ host: github, repo: ${a} }`).join(', ')}]
gitops:
  - repo: github:${GITOPS}
    allow: [{ from: "github:acme/*", paths: ["staging/**", "production/**"] }]
dataDir: \${DATA_DIR}
${extra}`;
}

/** Commits a release on `branch` of `app` and sends GitHub's signed push for it; returns the commit. */
async function push(
  gh: GithubEmulator,
  port: number,
  app: string,
  branch: string,
  n: number,
  deliveryId: string,
): Promise<string> {
  const before = (await gh.git.revParse(app, branch)) ?? '0'.repeat(40);
  const sha = await gh.git.commit(app, branch, { VERSION: `${n}\n` }, `Release ${n}`);
  const signed = signedRequest(
    'github',
    githubPushBody({ repo: app, branch, before, after: sha, base: gh.url }),
    SECRET,
    { deliveryId },
  );
  const res = await fetch(`http://127.0.0.1:${port}/hooks/github`, {
    method: 'POST',
    headers: signed.headers,
    body: new Uint8Array(signed.rawBody),
  });
  assert.equal(res.status, 202, await res.text());
  return sha;
}

/** `dispatchd start` (from the source, compiled or through tsx as this test runs) in its own process group. */
function startDispatchd(env: Record<string, string>): DispatchdProcess {
  return spawnDispatchd([...nodeEntry(MAIN), 'start'], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
}

/** Waits (bounded) until `ready()` holds. */
async function until(what: string, ms: number, ready: () => Promise<boolean>, every = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
    await sleep(every);
  }
}

describe('graceful shutdown of `dispatchd start` on SIGTERM', () => {
  let gh: GithubEmulator;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  let dir: string;
  const spawned: DispatchdProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-shutdown-'));
    // Slow API answers keep jobs in flight when the signal arrives.
    gh = await startGithubEmulator({ token: TOKEN, latencyMs: 150 });
    await gh.git.createRepo(GITOPS, { files: gitopsFiles });
    await gh.git.createRepo(APP, {
      files: { Dispatchfile: dispatchfile(`${gh.url}/${GITOPS}`, 'github'), VERSION: '0\n' },
    });
    redis = await startRedis();
    producer = openProducer(redis.url);
    await producer.ready();
    await writeFile(join(dir, 'dispatchd.yaml'), configYaml(gh, [APP]));
  });
  after(async () => {
    for (const p of spawned) p.killGroup();
    await producer?.close();
    await redis?.stop();
    await gh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'stops taking webhooks, finishes its in-flight jobs, exits 0, and loses nothing',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const child = startDispatchd({
        DISPATCHD_CONFIG: join(dir, 'dispatchd.yaml'),
        REDIS_URL: redis.url,
        PORT: String(port),
        DATA_DIR: join(dir, 'data-1'),
      });
      spawned.push(child);
      await child.waitFor(/listening on/, 30_000);
      const url = `http://127.0.0.1:${port}/hooks/github`;
      const shas: string[] = [];
      for (let n = 1; n <= PUSHES; n++)
        shas.push(await push(gh, port, APP, n % 2 ? 'staging' : 'production', n, `shutdown-${n}`));
      // Wait until work is in flight, then ask it to stop.
      await until(
        'a job in flight',
        30_000,
        async () => (await producer.events.getActiveCount()) + (await producer.gitops.getActiveCount()) > 0,
        20,
      );
      const t0 = Date.now();
      child.child.kill('SIGTERM');
      const [code, signal] = await child.exited;
      const stopMs = Date.now() - t0;
      const out = child.output();
      assert.equal(signal, null, `killed by ${signal}: ${out}`);
      assert.equal(code, 0, `exit code ${code}: ${out}`);
      assert.match(out, /SIGTERM: finishing in-flight work/);
      // Nothing it held is left locked: a job it started either completed or went back to waiting.
      const active = [await producer.events.getActiveCount(), await producer.gitops.getActiveCount()];
      assert.deepEqual(active, [0, 0], 'no job left active (locked) by the stopped process');
      const refused = await fetch(url, { method: 'POST', body: '{}' }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      assert.notEqual(refused, 202, 'the stopped process takes no more webhooks');
      const doneAtExit = await producer.events.getCompletedCount();

      // A new worker picks up whatever was still queued; every push is processed.
      const w = await spawnWorker(
        join(dir, 'dispatchd.yaml'),
        redis.url,
        { DATA_DIR: join(dir, 'data-2') },
        join(dir, 'worker.log'),
      );
      try {
        await until('queues idle', 60_000, async () => {
          const counts = await Promise.all(
            [producer.events, producer.gitops].map((q) =>
              q.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
            ),
          );
          return counts.every((c) => Object.values(c).every((x) => x === 0));
        });
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
      console.log(
        `shutdown: exited 0 ${stopMs} ms after SIGTERM; ${doneAtExit} of ${PUSHES} push jobs done by then, the rest by the next worker`,
      );
    },
  );
});

describe('bounded shutdown: SIGTERM ends `dispatchd start` within shutdownTimeout, whatever Redis and the SCM do', () => {
  const TIMEOUT_MS = 3000;
  // Short locks so that the next worker takes a left job back within seconds, not 45 s.
  const EXTRA = `shutdownTimeout: ${TIMEOUT_MS / 1000}s\nworkers: { lockDuration: 5s, stalledInterval: 2s }\n`;
  // An SCM call this slow outlasts the deadline; shorter than a minute so that the emulator's
  // pending answers do not keep this test file running long after it is done.
  const HANG_MS = 12_000;
  const DEAD = 'acme/app-dead-redis';
  const BUSY = 'acme/app-busy';
  let gh: GithubEmulator;
  let dir: string;
  let config: string;
  const spawned: DispatchdProcess[] = [];
  const redises: { kill(): Promise<void> }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-bounded-'));
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: gitopsFiles });
    for (const app of [DEAD, BUSY]) {
      await gh.git.createRepo(app, {
        files: { Dispatchfile: dispatchfile(`${gh.url}/${GITOPS}`, 'github'), VERSION: '0\n' },
      });
    }
    config = join(dir, 'dispatchd.yaml');
    await writeFile(config, configYaml(gh, [DEAD, BUSY], EXTRA));
  });
  after(async () => {
    for (const p of spawned) p.killGroup();
    for (const r of redises) await r.kill();
    await gh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** SIGTERM, then the exit: [code, signal, ms from the signal to the exit]. */
  async function term(p: DispatchdProcess): Promise<[number | null, NodeJS.Signals | null, number]> {
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const bound = setTimeout(() => p.killGroup(), 60_000);
    const [code, signal] = await p.exited;
    clearTimeout(bound);
    return [code, signal, Date.now() - t0];
  }

  /** A worker on `redisUrl` runs until `app`'s staging PR carries `sha` and nothing is left to do. */
  async function nextWorkerFinishes(redisUrl: string, app: string, sha: string, name: string): Promise<void> {
    const producer = openProducer(redisUrl);
    await producer.ready(20_000);
    const w = await spawnWorker(
      config,
      redisUrl,
      { DATA_DIR: join(dir, `${name}-next`) },
      join(dir, `${name}-next.log`),
    );
    try {
      await until(
        `${app}: the next worker finishes the job left behind`,
        90_000,
        async () => {
          const file = await gh.git.readFile(GITOPS, `dispatchd/github/${app}/staging`, 'staging/application.yaml');
          if (!file?.includes(sha)) return false;
          const counts = await Promise.all(
            [producer.events, producer.gitops].map((q) =>
              q.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
            ),
          );
          return counts.every((c) => Object.values(c).every((x) => x === 0));
        },
        200,
      );
      assert.equal(await producer.events.getCompletedCount(), 1, 'the push job completed');
      assert.equal(
        (await producer.events.getFailedCount()) + (await producer.gitops.getFailedCount()),
        0,
        'no job failed',
      );
      const prs = gh.pulls(GITOPS).filter((p) => p.head === `dispatchd/github/${app}/staging`);
      assert.equal(prs.length, 1, `${app}: one pull request, run twice or not`);
      assert.equal(prs[0]!.state, 'open');
    } finally {
      await w.kill();
      await producer.close();
    }
  }

  it(
    'Redis killed first: exits within 3× shutdownTimeout, non-zero, and the job it held is done once Redis is back',
    { timeout: 180_000 },
    async () => {
      const redisDir = join(dir, 'redis-dead');
      const redis = await groupRedis(redisDir);
      redises.push(redis);
      const producer = openProducer(redis.url);
      await producer.ready();
      const port = await freePort();
      const p = startDispatchd({
        DISPATCHD_CONFIG: config,
        REDIS_URL: redis.url,
        PORT: String(port),
        DATA_DIR: join(dir, 'dead-1'),
      });
      spawned.push(p);
      await p.waitFor(/listening on/, 30_000);
      // The SCM hangs, so the push job is mid-run when Redis goes.
      gh.setLatency(HANG_MS);
      const sha = await push(gh, port, DEAD, 'staging', 1, 'dead-redis-1');
      await until('the push job active', 30_000, async () => (await producer.events.getActiveCount()) > 0, 20);
      await producer.close();
      await redis.kill();
      await sleep(500);

      const [code, signal, stopMs] = await term(p);
      const out = p.output();
      console.log(
        `shutdown with Redis killed: exit ${code} ${stopMs} ms after SIGTERM (shutdownTimeout ${TIMEOUT_MS} ms)`,
      );
      assert.equal(signal, null, `killed by ${signal}: ${out}`);
      assert.ok(stopMs < 3 * TIMEOUT_MS, `exited ${stopMs} ms after SIGTERM, over 3 × ${TIMEOUT_MS} ms:\n${out}`);
      assert.equal(code, 1, `exit code ${code}: ${out}`);
      assert.match(
        out,
        /did not complete within 3000 ms .*: exiting 1; any unfinished job is left in Redis for another worker/,
      );

      // Nothing lost: Redis comes back from its AOF and another worker finishes the job.
      gh.setLatency(0);
      const back = await groupRedis(redisDir);
      redises.push(back);
      await nextWorkerFinishes(back.url, DEAD, sha, 'dead');
    },
  );

  it(
    '`serve` and `worker` with Redis killed: exit within the timeout DISPATCHD_SHUTDOWN_TIMEOUT sets (it wins over the config)',
    { timeout: 120_000 },
    async () => {
      const redis = await groupRedis(join(dir, 'redis-modes'));
      redises.push(redis);
      const modes = await Promise.all(
        (['serve', 'worker'] as const).map(async (mode) => {
          const port = await freePort();
          const p = spawnDispatchd([...nodeEntry(MAIN), mode], {
            env: {
              ...process.env,
              HOST: '127.0.0.1',
              LOG_LEVEL: 'warn',
              DISPATCHD_CONFIG: config,
              REDIS_URL: redis.url,
              PORT: String(port),
              DATA_DIR: join(dir, `modes-${mode}`),
              DISPATCHD_SHUTDOWN_TIMEOUT: '2s',
            },
          });
          spawned.push(p);
          await p.waitFor(/listening on/, 30_000);
          return { mode, p };
        }),
      );
      await redis.kill();
      await sleep(500);
      const results = await Promise.all(
        modes.map(async ({ mode, p }) => {
          const r = await term(p);
          return { mode, r, out: p.output() };
        }),
      );
      for (const {
        mode,
        out,
        r: [code, signal, stopMs],
      } of results) {
        console.log(
          `shutdown of \`dispatchd ${mode}\` with Redis killed: exit ${code} ${stopMs} ms after SIGTERM (DISPATCHD_SHUTDOWN_TIMEOUT=2s)`,
        );
        assert.equal(signal, null, `${mode}: killed by ${signal}: ${out}`);
        assert.ok(stopMs < 3 * 2000, `${mode}: exited ${stopMs} ms after SIGTERM, over 3 × 2000 ms:\n${out}`);
        assert.match(out, /SIGTERM: finishing in-flight work \(at most 2000 ms\)/, mode);
        // The receiver holds no job: it closes at once. Workers wait on Redis until the deadline.
        if (mode === 'worker') {
          assert.equal(code, 1, `worker: exit code ${code}: ${out}`);
          assert.match(out, /did not complete within 2000 ms/);
        } else {
          assert.ok(code === 0 || /did not complete within 2000 ms/.test(out), `serve: exit code ${code}: ${out}`);
        }
      }
    },
  );

  it(
    'a job mid-run with Redis alive: exits past the deadline, non-zero, the job left locked; another worker finishes it',
    { timeout: 180_000 },
    async () => {
      gh.setLatency(0);
      const redis = await groupRedis(join(dir, 'redis-busy'));
      redises.push(redis);
      const producer = openProducer(redis.url);
      await producer.ready();
      try {
        const port = await freePort();
        const p = startDispatchd({
          DISPATCHD_CONFIG: config,
          REDIS_URL: redis.url,
          PORT: String(port),
          DATA_DIR: join(dir, 'busy-1'),
        });
        spawned.push(p);
        await p.waitFor(/listening on/, 30_000);
        const sha = await push(gh, port, BUSY, 'staging', 1, 'busy-1');
        // Once the GitOps job runs, every further SCM call hangs: it cannot finish before the deadline.
        await until('the GitOps job active', 30_000, async () => (await producer.gitops.getActiveCount()) > 0, 10);
        gh.setLatency(HANG_MS);
        await sleep(300);
        assert.equal(await producer.gitops.getActiveCount(), 1, 'the GitOps job is still mid-run at SIGTERM');

        const [code, signal, stopMs] = await term(p);
        const out = p.output();
        console.log(
          `shutdown with a job mid-run: exit ${code} ${stopMs} ms after SIGTERM (shutdownTimeout ${TIMEOUT_MS} ms)`,
        );
        assert.equal(signal, null, `killed by ${signal}: ${out}`);
        assert.ok(stopMs >= TIMEOUT_MS, `exited ${stopMs} ms after SIGTERM, before the deadline: ${out}`);
        assert.ok(stopMs < 3 * TIMEOUT_MS, `exited ${stopMs} ms after SIGTERM, over 3 × ${TIMEOUT_MS} ms:\n${out}`);
        assert.equal(code, 1, `exit code ${code}: ${out}`);
        assert.match(
          out,
          /did not complete within 3000 ms .*: exiting 1; any unfinished job is left in Redis for another worker/,
        );
        // Left, not lost and not failed: still active under the dead process's lock.
        assert.equal(await producer.gitops.getActiveCount(), 1, 'the GitOps job is left locked for another worker');
        assert.equal(await producer.gitops.getFailedCount(), 0);

        gh.setLatency(0);
        await nextWorkerFinishes(redis.url, BUSY, sha, 'busy');
      } finally {
        await producer.close();
      }
    },
  );
});
