import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Job } from 'bullmq';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import { ZERO_SHA, type ScmKind } from '../../src/core/push-event.js';
import { createLogger } from '../../src/log/logger.js';
import type { PushJob } from '../../src/queue/jobs.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startWorkers, type Workers } from '../../workers/start.js';
import type { Fault, FaultFn } from '../emulators/common/faults.js';
import { startGithubEmulator } from '../emulators/github/emulator.js';
import { startGitlabEmulator } from '../emulators/gitlab/emulator.js';
import { eventually, gitopsFiles } from '../e2e/fixtures.js';
import { scmDispatchfile } from '../e2e/scm/dispatchfile.js';
import type { GitServer } from '../helpers/git-server.js';
import { startRedis } from '../helpers/redis.js';
import { githubPushBody } from '../helpers/github-push.js';
import { gitlabPushBody } from '../helpers/gitlab-push.js';
import { signedRequest } from '../helpers/sign.js';

/**
 * A long SCM outage on a compressed clock: the retry horizon is 15 s, backoff 100 ms → 1 s. The
 * SCM answers every API call with 503 (GitHub: 503 and a 403 secondary rate limit without
 * Retry-After, alternately) while pushes to two branches arrive; nothing is done by hand after.
 * Everything is measured from the server's records (BullMQ job timestamps, job results, Redis).
 */
const ADMIN = 'adm-outage-token-7c2e91d4';
const SECRET = 'outage-webhook-secret';
const HORIZON_S = 15;
const RETRY = `retry: { horizon: ${HORIZON_S}s, firstDelay: 100ms, maxDelay: 1s }`;
const OUTAGE_MS = 5000;
const BRANCHES = ['staging', 'production'] as const;
const PUSHES_PER_BRANCH = 3;

/** One SCM through its emulator: the host block, its push payload, its PRs and statuses. */
interface Side {
  kind: ScmKind;
  host: string;
  app: string;
  gitops: string;
  git: GitServer;
  hostYaml: string;
  setFaults(fn: FaultFn | undefined): void;
  /** What every API call gets during the outage. */
  outage: FaultFn;
  pushBody(branch: string, before: string, after: string): string;
  /** Open PRs (MRs) by head branch. */
  openHeads(): string[];
  deployState(sha: string): string | undefined;
  close(): Promise<void>;
}

async function githubSide(): Promise<Side> {
  const token = 'ghp_outage_token_0123456789abcdef';
  const gh = await startGithubEmulator({ token });
  const app = 'acme/app';
  const gitops = 'acme/gitops';
  await gh.git.createRepo(gitops, { files: gitopsFiles });
  await gh.git.createRepo(app, {
    files: { Dispatchfile: scmDispatchfile(`${gh.url}/${gitops}`, 'github'), VERSION: '0\n' },
  });
  // 503, then a 403 secondary rate limit (the emulator's documented message, no Retry-After,
  // budget left in x-ratelimit-remaining), alternately.
  const outage: FaultFn = (call): Fault => (call.seq % 2 === 0 ? { status: 403 } : { status: 503 });
  return {
    kind: 'github',
    host: 'github',
    app,
    gitops,
    git: gh.git,
    outage,
    hostYaml: `  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${token}, webhookSecret: ${SECRET} }\n`,
    setFaults: gh.setFaults,
    pushBody: (branch, before, after) => githubPushBody({ repo: app, branch, before, after, base: gh.url }),
    openHeads: () =>
      gh
        .pulls(gitops)
        .filter((p) => p.state === 'open')
        .map((p) => p.head),
    deployState: (sha) =>
      gh
        .statuses(app, sha)
        .filter((s) => s.context === 'dispatchd/deploy')
        .at(-1)?.state,
    close: () => gh.close(),
  };
}

async function gitlabSide(): Promise<Side> {
  const token = 'glpat-outage-token-1234567890';
  const gl = await startGitlabEmulator({ token });
  const app = 'acme/platform/hello-world';
  const gitops = 'acme/platform/hello-world-gitops';
  await gl.git.createRepo(gitops, { files: gitopsFiles });
  await gl.git.createRepo(app, {
    files: { Dispatchfile: scmDispatchfile(`${gl.url}/${gitops}.git`, 'gitlab'), VERSION: '0\n' },
  });
  return {
    kind: 'gitlab',
    host: 'gitlab',
    app,
    gitops,
    git: gl.git,
    outage: () => ({ status: 503 }),
    hostYaml: `  gitlab: { kind: gitlab, url: ${gl.url}, apiUrl: ${gl.apiUrl}, token: ${token}, webhookSecret: ${SECRET} }\n`,
    setFaults: gl.setFaults,
    pushBody: (branch, before, after) => gitlabPushBody({ repo: app, branch, before, after, base: gl.url }),
    openHeads: () =>
      gl
        .mergeRequests(gitops)
        .filter((m) => m.state === 'opened')
        .map((m) => m.sourceBranch),
    deployState: (sha) =>
      gl
        .statuses(app, sha)
        .filter((s) => s.name === 'dispatchd/deploy')
        .at(-1)?.status,
    close: () => gl.close(),
  };
}

interface OutageStack {
  server: Server;
  producer: Producer;
  workers: Workers;
  idle(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The real receiver (with an admin token) and workers over a real redis-server. */
async function startOutageStack(yaml: string): Promise<OutageStack> {
  const redis = await startRedis();
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-outage-'));
  const config = parseConfig(yaml, { DATA_DIR: dataDir });
  const log = createLogger({
    level: 'warn',
    destination: new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  });
  const producer = openProducer(redis.url);
  await producer.ready();
  const server = buildReceiver(config, producer, log, undefined, { adminToken: ADMIN });
  const workers = await startWorkers(config, redis.url, producer, log);
  return {
    server,
    producer,
    workers,
    async idle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(
          [producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
        if (Date.now() > deadline) throw new Error(`queues not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await workers.close();
      await producer.close();
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The value of one Prometheus sample, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

type Run = { seq: number; sha: string; result?: { outcome: string; branch: string; pushed?: boolean }; error?: string };

for (const [name, make] of [
  ['GitHub', githubSide],
  ['GitLab', gitlabSide],
] as const) {
  describe(`${name}: an SCM outage heals by itself (horizon ${HORIZON_S} s, backoff 100 ms → 1 s)`, () => {
    let side: Side;
    let stack: OutageStack;
    let n = 0;
    const admin = (path: string) => request(stack.server).get(path).set('authorization', `Bearer ${ADMIN}`);
    const head = (branch: string) => `dispatchd/${side.host}/${side.app}/${branch}`;
    const carried = async (branch: string) =>
      (await side.git.readFile(side.gitops, head(branch), `${branch}/application.yaml`)) ?? '';

    before(async () => {
      side = await make();
      stack = await startOutageStack(`
hosts:
${side.hostYaml}
repositories: [{ host: ${side.host}, repo: ${side.app} }]
gitops:
  - repo: "${side.host}:${side.gitops}"
    allow: [{ from: "${side.host}:${side.app}", paths: ["staging/**", "production/**"] }]
${RETRY}
dataDir: \${DATA_DIR}
`);
    });
    after(async () => {
      side?.setFaults(undefined);
      await stack?.stop();
      await side?.close();
    });

    async function push(branch: string): Promise<{ sha: string; deliveryId: string }> {
      const before = (await side.git.revParse(side.app, branch)) ?? ZERO_SHA;
      const sha = await side.git.commit(side.app, branch, { VERSION: `${++n}\n` }, `Release ${n}`);
      const deliveryId = `outage-${side.kind}-${n}`;
      const signed = signedRequest(side.kind, side.pushBody(branch, before, sha), SECRET, { deliveryId });
      const res = await request(stack.server)
        .post(`/hooks/${side.host}`)
        .set(signed.headers)
        .send(signed.rawBody.toString());
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return { sha, deliveryId };
    }

    const hostEntry = async () => {
      const res = await admin('/api/hosts').expect(200);
      return (
        res.body.hosts as {
          host: string;
          failing: boolean;
          waiting: number;
          deliveries: number;
          environments: number;
          lastError: string | null;
          since: string | null;
          healedAt: string | null;
        }[]
      ).find((h) => h.host === side.host);
    };

    it(
      'pushes held by a 5 s outage complete afterwards with no action, each environment updated once',
      { timeout: 120_000 },
      async () => {
        // Both environments have their PR before the outage.
        for (const branch of BRANCHES) await push(branch);
        await stack.idle(60_000);
        assert.deepEqual(
          side.openHeads().sort(),
          BRANCHES.map(head).sort(),
          'one PR per environment before the outage',
        );

        const outageStart = Date.now();
        side.setFaults(side.outage);
        const held: { branch: string; sha: string; deliveryId: string }[] = [];
        for (let i = 0; i < PUSHES_PER_BRANCH; i++)
          for (const branch of BRANCHES) held.push({ branch, ...(await push(branch)) });

        // While it lasts, the API and the metrics name the host and how many deliveries wait on it:
        // the newest of each branch. An older push of a branch, on its next attempt, finds a newer
        // one queued and is superseded (that one plans the tip) instead of waiting too.
        const newestIds = new Set(BRANCHES.map((b) => held.filter((h) => h.branch === b).at(-1)!.deliveryId));
        // Older pushes come and go (each waits until its next attempt finds it superseded): settled
        // once only the newest are waiting and every older one's job has completed.
        const olderIds = held.map((h) => h.deliveryId).filter((id) => !newestIds.has(id));
        const during = await eventually(
          async () => {
            const h = await hostEntry();
            if (!h || h.deliveries !== newestIds.size) return undefined;
            const done = (await stack.producer.events.getJobs(['completed'])).filter((j) =>
              olderIds.includes((j.data as PushJob).event.deliveryId),
            );
            return done.length === olderIds.length ? h : undefined;
          },
          OUTAGE_MS,
          `/api/hosts to show ${newestIds.size} deliveries waiting on ${side.host}, the older ones superseded`,
        );
        assert.equal(during.failing, true);
        assert.equal(during.waiting, newestIds.size, 'no environment update waits: no plan got through');
        assert.ok(during.since && Date.parse(during.since) >= outageStart - 1000, `since ${during.since}`);
        assert.match(during.lastError ?? '', side.kind === 'github' ? /HTTP 503|secondary rate limit/ : /HTTP 503/);
        const hostsBody = (await admin('/api/hosts').expect(200)).body as { failing: string[] };
        assert.deepEqual(hostsBody.failing, [side.host]);
        const metrics = (await admin('/metrics').expect(200)).text;
        assert.equal(sample(metrics, 'dispatchd_host_waiting_deliveries', { host: side.host }), newestIds.size);
        assert.equal(sample(metrics, 'dispatchd_host_failing', { host: side.host }), 1);
        const seenDuring = { waiting: during.waiting, lastError: during.lastError };

        await new Promise((r) => setTimeout(r, Math.max(0, outageStart + OUTAGE_MS - Date.now())));
        side.setFaults(undefined);
        const outageEnd = Date.now();
        await stack.idle(60_000);

        // Every held delivery completed; none failed; each had waited (failed at least once).
        const pushJobs = (await stack.producer.events.getJobs(['completed', 'failed'])) as Job<PushJob>[];
        const mine = pushJobs.filter((j) => held.some((h) => h.deliveryId === j.data.event.deliveryId));
        assert.equal(mine.length, held.length);
        // (A completed job keeps the failedReason of its last failed attempt: the state decides.)
        const states = await Promise.all(mine.map((j) => j.getState()));
        const failed = mine.filter((_, i) => states[i] !== 'completed');
        assert.deepEqual(
          failed.map((j) => j.failedReason),
          [],
          'no held delivery failed',
        );
        const waited = mine.filter((j) => j.attemptsMade >= 2).length;
        const covered = mine.filter((j) =>
          /^covered/.test((j.returnvalue as { skipped?: string } | undefined)?.skipped ?? ''),
        ).length;
        const superseded = mine.filter((j) =>
          /^superseded/.test((j.returnvalue as { skipped?: string } | undefined)?.skipped ?? ''),
        ).length;
        assert.ok(
          mine.filter((j) => newestIds.has(j.data.event.deliveryId)).every((j) => j.attemptsMade >= 2),
          'the newest push of each branch arrived during the outage and waited',
        );
        assert.equal(
          superseded + covered,
          held.length - newestIds.size,
          'each older push was superseded by the newest of its branch (or covered by its plan), not planned',
        );

        // Each environment's PR ends on its branch's newest commit, still one PR per environment.
        for (const branch of BRANCHES) {
          const newest = held.filter((h) => h.branch === branch).at(-1)!;
          assert.ok(
            (await carried(branch)).includes(newest.sha),
            `${branch} PR carries the newest push ${newest.sha.slice(0, 7)}`,
          );
          assert.equal(side.deployState(newest.sha), 'success', `the newest ${branch} push has a success status`);
        }
        assert.deepEqual(side.openHeads().sort(), BRANCHES.map(head).sort(), 'still one PR per environment');

        // PR updates per environment after the outage: GitOps runs that pushed a commit.
        const gitopsJobs = (await stack.producer.gitops.getJobs(['completed', 'failed'])).filter(
          (j) => j.timestamp >= outageStart,
        );
        const updates: Record<string, number> = Object.fromEntries(BRANCHES.map((b) => [b, 0]));
        const runOutcomes: Record<string, number> = {};
        for (const j of gitopsJobs) {
          for (const r of (j.returnvalue ?? []) as Run[]) {
            assert.equal(r.error, undefined, `no GitOps run failed: ${r.error}`);
            // 'updated' with pushed: false re-rendered the same tree: nothing pushed, PR text refreshed.
            const o =
              r.result?.outcome === 'updated' && r.result.pushed === false
                ? 'updated-nothing-pushed'
                : (r.result?.outcome ?? 'failed');
            runOutcomes[o] = (runOutcomes[o] ?? 0) + 1;
            if (r.result?.outcome !== 'updated' || r.result.pushed === false) continue;
            const branch = BRANCHES.find((b) => r.result!.branch === head(b));
            if (branch) updates[branch]! += 1;
          }
        }
        // Every plan after the outage read the same tip: the PR's head moves exactly once.
        for (const branch of BRANCHES)
          assert.equal(
            updates[branch],
            1,
            `${branch}: ${updates[branch]} PR updates for ${PUSHES_PER_BRANCH} held pushes`,
          );

        // Healed: the host record says so, and the gauges are back to 0.
        const healed = await hostEntry();
        assert.equal(healed?.failing, false);
        assert.equal(healed?.waiting, 0);
        assert.ok(healed?.healedAt, 'healedAt is set');
        const after = (await admin('/metrics').expect(200)).text;
        assert.equal(sample(after, 'dispatchd_host_waiting_deliveries', { host: side.host }), 0);
        assert.equal(sample(after, 'dispatchd_host_failing', { host: side.host }), 0);

        const lastFinish = Math.max(...mine.map((j) => j.finishedOn ?? 0), ...gitopsJobs.map((j) => j.finishedOn ?? 0));
        const attempts = mine.map((j) => j.attemptsMade);
        console.log(
          `outage ${side.kind}: ${JSON.stringify({
            outageMs: outageEnd - outageStart,
            deliveriesHeld: waited,
            waitingSeenDuring: seenDuring.waiting,
            completed: states.filter((s) => s === 'completed').length,
            failed: failed.length,
            planned: held.length - covered - superseded,
            superseded,
            coveredByLaterPlan: covered,
            attemptsPerDelivery: { min: Math.min(...attempts), max: Math.max(...attempts) },
            prUpdatesPerEnvironment: updates,
            gitopsJobs: gitopsJobs.length,
            gitopsRuns: runOutcomes,
            healMs: lastFinish - outageEnd,
            lastError: seenDuring.lastError,
          })}`,
        );
      },
    );

    it(
      'an outage longer than the horizon fails the delivery saying so; a retry after it completes',
      { timeout: 120_000 },
      async () => {
        side.setFaults(side.outage);
        const { sha, deliveryId } = await push('staging');
        const job = await eventually(
          async () => {
            const failed = (await stack.producer.events.getFailed()) as Job<PushJob>[];
            return failed.find((j) => j.data.event.deliveryId === deliveryId);
          },
          (HORIZON_S + 20) * 1000,
          'the push to fail at the horizon',
        );
        const triedMs = (job.finishedOn ?? 0) - job.timestamp;
        const lastError = side.kind === 'github' ? '(HTTP 503|secondary rate limit)' : 'HTTP 503';
        const message = new RegExp(
          `^gave up after \\d+ s and \\d+ attempts \\(retry\\.horizon ${HORIZON_S} s\\); last error: ${side.host}: .*${lastError}`,
        );
        assert.match(job.failedReason, message);
        assert.ok(
          triedMs >= (HORIZON_S - 2) * 1000 && triedMs <= (HORIZON_S + 3) * 1000,
          `tried for ${triedMs} ms against a ${HORIZON_S} s horizon`,
        );

        // The audit trail shows it failed, with the same message; it no longer waits on the host.
        const list = (await admin(`/api/deliveries?host=${side.host}&status=failed`).expect(200)).body.deliveries as {
          id: string;
          commit: string;
          errors: string[];
        }[];
        const rec = list.find((d) => d.commit === sha);
        assert.ok(rec, 'the delivery is listed as failed');
        assert.match(rec.errors.join('\n'), message);
        await eventually(
          async () => ((await hostEntry())?.waiting === 0 ? true : undefined),
          5000,
          'the failed job to leave the host record',
        );

        side.setFaults(undefined);
        const retried = await request(stack.server)
          .post(`/api/deliveries/${encodeURIComponent(rec.id)}/retry`)
          .set('authorization', `Bearer ${ADMIN}`);
        assert.equal(retried.status, 202, JSON.stringify(retried.body));
        const retriedAt = Date.now();
        await stack.idle(60_000);
        const done = (await admin(`/api/deliveries/${encodeURIComponent(rec.id)}`).expect(200)).body as {
          status: string;
          retries: number;
        };
        assert.equal(done.status, 'succeeded');
        assert.equal(done.retries, 1);
        assert.ok((await carried('staging')).includes(sha), 'the retried delivery reached the staging PR');
        console.log(
          `outage ${side.kind} beyond the horizon: ${JSON.stringify({ triedMs, attempts: job.attemptsMade, failedReason: job.failedReason, retryToDoneMs: Date.now() - retriedAt })}`,
        );
      },
    );
  });
}
