import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { dispatchfile } from '../e2e/fixtures.js';
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { crashableRedis, sleep, spawnWorker, type CrashableRedis, type WorkerProcess } from './harness.js';

// `npm test` runs the small variant; `npm run test:chaos` (CHAOS=full) the heavy one.
const FULL = process.env.CHAOS === 'full';
const PLAN = FULL
  ? { apps: 6, branches: ['staging', 'production', 'qa', 'canary'], pushes: 2000, perSecond: 60, kills: 6, restarts: 2 }
  : { apps: 4, branches: ['staging', 'production', 'qa'], pushes: 300, perSecond: 30, kills: 2, restarts: 1 };
// CHAOS_PUSHES / CHAOS_KILLS / CHAOS_RESTARTS override the plan, to replay or bisect a failure.
for (const k of ['pushes', 'kills', 'restarts'] as const) {
  const v = process.env[`CHAOS_${k.toUpperCase()}`];
  if (v !== undefined) PLAN[k] = Number(v);
}
const TOKEN = 'ghp_chaos_token_0123456789';
const SECRET = 'chaos-webhook-secret';
const GITOPS = 'acme/gitops';
const WORKERS = 2;

interface Lane {
  app: string;
  branch: string;
  newest?: string;
}

describe(`delivery guarantee: ${PLAN.pushes} pushes, ${PLAN.kills} worker SIGKILLs, ${PLAN.restarts} Redis crash+restart`, () => {
  let gh: GithubEmulator;
  let redis: CrashableRedis;
  let producer: Producer;
  let server: Server;
  let dir: string;
  let configPath: string;
  const workers: (WorkerProcess | undefined)[] = [];
  const apps = Array.from({ length: PLAN.apps }, (_, i) => `acme/app-${i}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-chaos-'));
    gh = await startGithubEmulator({ token: TOKEN });
    const templates = Object.fromEntries(
      PLAN.branches.map((b) => [
        `${b}/application.yaml.tmpl`,
        `kind: Deployment\nmetadata:\n  namespace: ${b}\nimage: $({ .imageName })\n`,
      ]),
    );
    await gh.git.createRepo(GITOPS, { files: { 'README.md': '# gitops\n', ...templates } });
    const df = dispatchfile(`${gh.url}/${GITOPS}`, 'github').replace(
      'branches: [staging, production]',
      `branches: [${PLAN.branches.join(', ')}]`,
    );
    for (const app of apps) await gh.git.createRepo(app, { files: { Dispatchfile: df, VERSION: '0\n' } });
    redis = await crashableRedis(join(dir, 'redis'));
    const yaml = `
hosts:
  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: ${SECRET} }
repositories:
${apps.map((a) => `  - { host: github, repo: ${a} }`).join('\n')}
gitops:
  - repo: github:${GITOPS}
    allow: [{ from: "github:acme/*", paths: [${PLAN.branches.map((b) => `"${b}/**"`).join(', ')}] }]
dataDir: \${DATA_DIR}
`;
    configPath = join(dir, 'dispatchd.yaml');
    await writeFile(configPath, yaml);
    producer = openProducer(redis.url);
    await producer.ready();
    server = buildReceiver(
      parseConfig(yaml, { DATA_DIR: join(dir, 'receiver') }),
      producer,
      createLogger({ level: 'silent' }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    for (let i = 0; i < WORKERS; i++) workers[i] = await startSlot(i);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w?.kill()));
    server?.close();
    await producer?.close();
    await redis?.stop();
    await gh?.close();
    if (dir && !process.env.KEEP_CHAOS_DIR) await rm(dir, { recursive: true, force: true });
  });

  // A replacement reuses the killed worker's data dir, as a restarted pod on its volume would.
  const startSlot = (i: number) =>
    spawnWorker(
      configPath,
      redis.url,
      { DATA_DIR: join(dir, `worker-${i}`), LOG_LEVEL: 'info' },
      join(dir, `worker-${i}.log`),
    );

  it(
    'processes every push answered 202, ends each PR on its newest push, opens no duplicate PR',
    { timeout: FULL ? 1_800_000 : 420_000 },
    async () => {
      const started = Date.now();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github`;
      const lanes: Lane[] = apps.flatMap((app) => PLAN.branches.map((branch) => ({ app, branch })));
      const accepted = new Map<string, { sha: string; app: string }>();
      const counts = { sent: 0, answered202: 0, answered503: 0, refused: 0, kills: 0, redisRestarts: 0 };
      const heldAtKill: { queue: string; id: string }[] = [];

      async function deliver(lane: Lane, n: number): Promise<void> {
        const before = (await gh.git.revParse(lane.app, lane.branch)) ?? '0'.repeat(40);
        const sha = await gh.git.commit(lane.app, lane.branch, { VERSION: `${n}\n` }, `Release ${n}`);
        const deliveryId = `chaos-${lane.app}-${lane.branch}-${n}`;
        const signed = signedRequest(
          'github',
          githubPushBody({ repo: lane.app, branch: lane.branch, before, after: sha, base: gh.url }),
          SECRET,
          {
            deliveryId,
          },
        );
        // An SCM redelivers what was not answered 2xx (Bitbucket by itself, GitHub via the operator's
        // redeliver); the sender here does so at once, with the same delivery id.
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(url, {
            method: 'POST',
            headers: signed.headers,
            body: new Uint8Array(signed.rawBody),
          }).catch(() => undefined);
          if (res?.status === 202) {
            await res.body?.cancel();
            counts.answered202++;
            accepted.set(deliveryId, { sha, app: lane.app });
            lane.newest = sha;
            return;
          }
          if (res && res.status !== 503) assert.fail(`push ${deliveryId} answered ${res.status}: ${await res.text()}`);
          await res?.body?.cancel();
          counts.answered503++;
          if (attempt > 300) assert.fail(`push ${deliveryId} still refused after ${attempt} attempts`);
          await sleep(100);
        }
      }

      const progress = process.env.CHAOS_PROGRESS
        ? setInterval(() => {
            void Promise.all(
              [producer.events, producer.gitops].map((q) =>
                q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
              ),
            ).then(
              (c) =>
                console.error(
                  `[${Math.round((Date.now() - started) / 1000)} s] ${JSON.stringify(counts)} events ${JSON.stringify(c[0])} gitops ${JSON.stringify(c[1])}`,
                ),
              () => undefined,
            );
          }, 3000)
        : undefined;
      // Pace the pushes so faults land while workers are busy rather than after the burst.
      const gapMs = (1000 * lanes.length) / PLAN.perSecond;
      const perLane = Math.ceil(PLAN.pushes / lanes.length);
      const sending = Promise.all(
        lanes.map(async (lane, li) => {
          await sleep((li * gapMs) / lanes.length);
          for (let n = 1; n <= perLane && counts.sent < PLAN.pushes; n++) {
            counts.sent++;
            await deliver(lane, n);
            await sleep(gapMs);
          }
        }),
      );

      // Faults at even fractions of the pushes: worker kills round-robin, Redis crashes in between.
      const faults: { at: number; what: 'kill' | 'redis' }[] = [
        ...Array.from({ length: PLAN.kills }, (_, i) => ({ at: (i + 1) / (PLAN.kills + 1), what: 'kill' as const })),
        ...Array.from({ length: PLAN.restarts }, (_, i) => ({
          at: (i + 0.5) / (PLAN.restarts + 0.5),
          what: 'redis' as const,
        })),
      ].sort((a, b) => a.at - b.at);
      for (const f of faults) {
        while (counts.sent < f.at * PLAN.pushes) await sleep(20);
        if (f.what === 'kill') {
          const slot = counts.kills++ % WORKERS;
          // Kill it while it holds work: wait (bounded) until one of its jobs is active.
          const victim = `${hostname()}:${workers[slot]!.child.pid}`;
          for (const until = Date.now() + 15_000; Date.now() < until;) {
            const active = (await Promise.all([producer.events.getActive(), producer.gitops.getActive()])).flat();
            const held = active.filter((j) => j.processedBy === victim);
            if (held.length > 0) {
              for (const j of held) heldAtKill.push({ queue: j.queueName, id: j.id! });
              break;
            }
            await sleep(10);
          }
          await workers[slot]!.kill();
          workers[slot] = await startSlot(slot);
        } else {
          await redis.crash();
          // Down until a delivery met it (at most 10 s): on a busy machine the lanes spend most of
          // their time committing, and a fixed 500 ms could pass with none of them sending (CI saw it).
          const refusedBefore = counts.answered503;
          await sleep(500);
          for (const until = Date.now() + 10_000; counts.answered503 === refusedBefore && Date.now() < until;)
            await sleep(50);
          await redis.restart();
          counts.redisRestarts++;
        }
      }
      await sending;
      const sentMs = Date.now() - started;
      try {
        // BullMQ hands a killed worker's jobs back after its lock expires (30 s by default).
        await idle(producer, FULL ? 900_000 : 300_000);
      } finally {
        clearInterval(progress);
      }
      const completed = await producer.events.getCompleted(0, -1);
      const failed = await producer.events.getFailed(0, -1);
      const done = new Set(completed.map((j) => j.data.event.deliveryId));
      const lost = [...accepted.keys()].filter((id) => !done.has(id));
      const pulls = gh.pulls(GITOPS);
      const heads = new Map<string, number>();
      for (const p of pulls) heads.set(p.head, (heads.get(p.head) ?? 0) + 1);
      const stale: string[] = [];
      for (const lane of lanes) {
        const file = await gh.git.readFile(
          GITOPS,
          `dispatchd/github/${lane.app}/${lane.branch}`,
          `${lane.branch}/application.yaml`,
        );
        if (!lane.newest || !file?.includes(lane.newest))
          stale.push(
            `${lane.app}@${lane.branch}: want ${lane.newest?.slice(0, 7)}, head has ${/image: (\S+)/.exec(file ?? '')?.[1] ?? 'nothing'}`,
          );
      }
      // Each plan reads its branch's tip, so a commit a later plan covered has no status of its own;
      // every lane's newest commit must have one, and every delivery either planned or was covered.
      const noStatus = lanes.filter((l) => l.newest && gh.statuses(l.app, l.newest).length === 0).length;
      const covered = completed.filter((j) =>
        /^covered/.test((j.returnvalue as { skipped?: string } | undefined)?.skipped ?? ''),
      ).length;
      const unaccounted = completed.filter((j) => {
        const r = j.returnvalue as { commit?: string; skipped?: string } | undefined;
        return !r?.commit && !r?.skipped;
      }).length;
      const summary = {
        ...counts,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        sendSeconds: Math.round(sentMs / 100) / 10,
        environments: lanes.length,
        pushJobsCompleted: completed.length,
        pushJobsFailed: failed.length,
        lost: lost.length,
        pullRequests: pulls.length,
        prCreates: gh.count('POST /repos/{owner}/{repo}/pulls'),
        gitPushes: gh.git.pushes,
        stale: stale.length,
        newestWithoutStatus: noStatus,
        covered,
        unaccounted,
        jobsHeldAtKill: heldAtKill.length,
      };
      console.log(`delivery guarantee: ${JSON.stringify(summary)}`);

      assert.equal(counts.answered202, PLAN.pushes, 'every push was eventually answered 202');
      assert.equal(counts.kills, PLAN.kills);
      // The faults hit real work: killed workers held jobs, and another worker took each back.
      assert.ok(heldAtKill.length > 0, 'a worker was killed while it held a job');
      for (const h of heldAtKill) {
        const job = await (h.queue === producer.events.name ? producer.events : producer.gitops).getJob(h.id);
        assert.equal(
          await job?.getState(),
          'completed',
          `job ${h.id} held by a killed worker was taken back and completed`,
        );
      }
      assert.ok(counts.answered503 > 0, 'deliveries arrived while Redis was down and were answered 503');
      assert.equal(counts.redisRestarts, PLAN.restarts);
      assert.deepEqual(lost, [], 'every push answered 202 has a completed push job');
      assert.deepEqual(
        failed.map((j) => `${j.id}: ${j.failedReason}`),
        [],
        'no push job failed',
      );
      assert.equal(noStatus, 0, "every lane's newest commit got a commit status");
      assert.equal(unaccounted, 0, 'every push job planned a tip or says why not');
      assert.deepEqual(stale, [], "each environment's PR carries its newest push");
      assert.deepEqual(
        [...heads].filter(([, n]) => n > 1),
        [],
        'no head branch has two PRs',
      );
      assert.equal(pulls.length, lanes.length, 'one PR per environment');
    },
  );
});

async function idle(producer: Producer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      [producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
    );
    if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
    if (Date.now() > deadline) throw new Error(`queues not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    await sleep(200);
  }
}
