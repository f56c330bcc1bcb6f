/**
 * "The commit decides, not the arrival" (docs/gitops.md) as a property, end to end: random
 * interleavings of pushes, force-pushes, held (out-of-order), lost, redelivered and replayed
 * webhooks, against the GitHub and GitLab emulators, with the receiver in this process and the
 * workers in two separate worker processes, all over one real redis-server. After each run:
 *
 *   1. the environment ends on the ref's tip as of the last delivery (rendered file and the
 *      head commit's Dispatchd-Commit trailer name the final tip);
 *   2. the source commits the PR head branch carried never went backwards, except onto a newer
 *      line of history after a force-push (every update of the head ref is read back from the
 *      GitOps repository's reflog, so nothing is sampled);
 *   3. at most one open PR for the environment, and only one was ever created.
 *
 * Replay: FC_SEED=<seed> [FC_PATH=<path>] [FC_SCM=github|gitlab]. FC_RUNS is the total over both
 * SCMs (default 50, split evenly). FC_BUDGET_MS bounds each SCM's runs (later runs are skipped and
 * reported), FC_SHRINK_MS the shrinking after a failure. KEEP_CONV_DIR=1 keeps the worker logs;
 * FC_TRACE=1 prints every run's actions and head-branch history.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { runGit } from '../emulators/common/git/run-git.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { scmDispatchfile } from './scm/dispatchfile.js';
import { githubScenario } from './scm/github.js';
import { gitlabScenario } from './scm/gitlab.js';
import type { ScmScenario } from './scm/scenario.js';
import { nodeEntry } from '../helpers/node-entry.js';

const SECRET = 'convergence-property-secret';
const CHILD = fileURLToPath(new URL('../faults/worker-child.ts', import.meta.url));
const WORKER_PROCESSES = 2;

const SEED =
  process.env.FC_SEED !== undefined && process.env.FC_SEED !== ''
    ? Number(process.env.FC_SEED)
    : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
const PATH = process.env.FC_PATH || undefined;
const TOTAL_RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 50));
const RUNS_PER_SCM = Math.ceil(TOTAL_RUNS / 2);
const ONLY = process.env.FC_SCM;
// A run takes ~1-2 s on an idle machine; past the budget the remaining runs are skipped (and
// reported), so the file ends on a busy machine. Shrinking after a failure gets its own budget.
const RUN_BUDGET_MS = Number(process.env.FC_BUDGET_MS ?? Math.max(40_000, RUNS_PER_SCM * 1_600));
const SHRINK_BUDGET_MS = Number(process.env.FC_SHRINK_MS ?? 60_000);
const IDLE_TIMEOUT_MS = 60_000;
// node:test's own bound: the budgets, a run in flight at the end of each (at most one idle wait
// each, plus its actions), and margin.
const TEST_TIMEOUT_MS = RUN_BUDGET_MS + SHRINK_BUDGET_MS + 2 * (IDLE_TIMEOUT_MS + 15_000) + 30_000;
// Source repositories declared up front (dispatchd serves only configured ones): the runs plus room to shrink.
const NAMES_PER_SCM = RUNS_PER_SCM + 400;

console.log(
  `convergence property: FC_SEED=${SEED}${PATH ? ` FC_PATH=${PATH}` : ''} FC_RUNS=${TOTAL_RUNS} (${RUNS_PER_SCM} per SCM)`,
);

// ---------------------------------------------------------------------------------------------
// Actions

type Mode = 'now' | 'hold' | 'lose';
type Action =
  | { kind: 'push'; mode: Mode; gap: number }
  | { kind: 'forcePush'; mode: Mode; back: number; gap: number }
  | { kind: 'deliverHeld'; pick: number; gap: number }
  | { kind: 'redeliver'; pick: number; gap: number }
  | { kind: 'replayNewId'; pick: number; gap: number };

const modeArb: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('now' as const) },
  { weight: 2, arbitrary: fc.constant('hold' as const) },
  { weight: 1, arbitrary: fc.constant('lose' as const) },
);
// What to wait for after the action: nothing, some milliseconds (workers in the other processes
// interleave with what follows), or SETTLE, until the queues are idle (the action fully applied
// before the next one, so a late delivery really arrives after a newer commit was deployed).
const SETTLE = -1;
const gapArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 150 }) },
  { weight: 2, arbitrary: fc.constant(SETTLE) },
);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), mode: modeArb, gap: gapArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('forcePush' as const), mode: modeArb, back: fc.nat(4), gap: gapArb }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliverHeld' as const), pick: fc.nat(9), gap: gapArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat(9), gap: gapArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replayNewId' as const), pick: fc.nat(9), gap: gapArb }) },
);
const actionsArb = fc.array(actionArb, { minLength: 4, maxLength: 10 });
/** Every run ends with this: the tip as of the last delivery processed is the final tip. */
const FINAL: Action = { kind: 'push', mode: 'now', gap: 0 };

// ---------------------------------------------------------------------------------------------
// Worker processes, each in its own process group

const groups = new Set<number>();
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
};
// Should `after` never run (the runner itself dying), do not leave workers behind.
process.once('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});

interface WorkerProc {
  child: ChildProcess;
  tail: () => string;
  exited: Promise<void>;
}

async function spawnWorker(
  configPath: string,
  redisUrl: string,
  dataDir: string,
  logPath: string,
): Promise<WorkerProc> {
  const child = spawn(process.execPath, [...nodeEntry(CHILD), configPath, redisUrl, logPath], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined) groups.add(child.pid);
  let out = '';
  const onData = (b: Buffer) => {
    out = (out + b.toString()).slice(-8_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`worker process not ready within 60 s: ${out}`)), 60_000);
    const check = () => {
      if (out.includes('ready\n')) {
        clearTimeout(t);
        res();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`worker process exited with ${code} before ready: ${out}`));
    });
  });
  return { child, tail: () => out, exited };
}

async function stopWorker(w: WorkerProc): Promise<void> {
  const pid = w.child.pid;
  if (pid === undefined) return;
  if (w.child.exitCode === null && w.child.signalCode === null) {
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5_000);
    await w.exited;
    clearTimeout(timer);
  }
  killGroup(pid, 'SIGKILL'); // anything else left in the group
  groups.delete(pid);
}

// ---------------------------------------------------------------------------------------------
// Git helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : String(sha));

async function git(dir: string, args: string[]): Promise<string> {
  return (await runGit(args, { gitDir: dir })).stdout.trim();
}

async function isAncestor(dir: string, a: string, b: string): Promise<boolean> {
  const r = await runGit(['merge-base', '--is-ancestor', a, b], { gitDir: dir, allowFail: true });
  if (r.code !== 0 && r.code !== 1) throw new Error(`git merge-base --is-ancestor ${a} ${b}: ${r.stderr}`);
  return r.code === 0;
}

/** New values of `ref` in order, from the repository's reflog (core.logAllRefUpdates=always). */
async function reflog(gitDir: string, ref: string): Promise<string[]> {
  const text = await readFile(join(gitDir, 'logs', ...ref.split('/')), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[1]!);
}

/** The Dispatchd-Commit trailer of each GitOps commit. */
async function carriedBy(gitDir: string, shas: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (shas.length === 0) return out;
  const text = (
    await runGit(
      [
        'log',
        '--no-walk=unsorted',
        '--format=%H%x1f%(trailers:key=Dispatchd-Commit,valueonly,separator=%x2c)%x1e',
        ...new Set(shas),
      ],
      { gitDir },
    )
  ).stdout;
  for (const rec of text.split('\x1e')) {
    const [sha, commit] = rec.trim().split('\x1f');
    if (sha) out.set(sha, (commit ?? '').trim());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One SCM's lane: its scenario, names, counters

interface Delivery {
  id: string;
  body: string;
  label: string;
}

interface Lane {
  s: ScmScenario;
  names: string[];
  next: number;
  gitopsDir: string;
  stats: {
    runs: number;
    skipped: number;
    failures: number;
    durations: number[];
    sent: { first: number; redeliver: number; replay: number };
    actions: Record<Action['kind'], number>;
    noops: number;
  };
}

function newLane(s: ScmScenario): Lane {
  const owner = posix.dirname(s.app);
  return {
    s,
    names: Array.from({ length: NAMES_PER_SCM }, (_, i) => `${owner}/conv-${i}`),
    next: 0,
    gitopsDir: s.git.bareDir(s.gitops),
    stats: {
      runs: 0,
      skipped: 0,
      failures: 0,
      durations: [],
      sent: { first: 0, redeliver: 0, replay: 0 },
      actions: { push: 0, forcePush: 0, deliverHeld: 0, redeliver: 0, replayNewId: 0 },
      noops: 0,
    },
  };
}

function serviceConfig(lanes: Lane[]): string {
  return `
hosts:
${lanes.map((l) => l.s.hostYaml(SECRET)).join('')}
repositories:
${lanes.flatMap((l) => l.names.map((n) => `  - { host: ${l.s.hostName}, repo: ${n} }`)).join('\n')}
gitops:
${lanes
  .map(
    (l) => `  - repo: "${l.s.hostName}:${l.s.gitops}"
    allow:
      - from: "${l.s.hostName}:acme/**"
        paths: ["staging/**", "production/**"]
`,
  )
  .join('')}
dataDir: \${DATA_DIR}
`;
}

// ---------------------------------------------------------------------------------------------

describe('convergence: the commit decides, not the arrival (property, GitHub + GitLab, 2 worker processes)', () => {
  const lanes = new Map<string, Lane>();
  let stack: Stack | undefined;
  let server: Server | undefined;
  let hookBase = '';
  let dir = '';
  const workers: WorkerProc[] = [];
  const scenarios: ScmScenario[] = [];
  let failed = false;

  before(
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'dispatchd-convergence-'));
      for (const make of [githubScenario, gitlabScenario]) {
        const s = await make();
        scenarios.push(s);
        const lane = newLane(s);
        // Every update of every head branch is logged, so the whole history is read back exactly.
        await git(lane.gitopsDir, ['config', 'core.logAllRefUpdates', 'always']);
        lanes.set(s.kind, lane);
      }
      const yaml = serviceConfig([...lanes.values()]);
      const configPath = join(dir, 'dispatchd.yaml');
      await writeFile(configPath, yaml);
      stack = await startStack(yaml, { workers: false });
      server = stack.server;
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      hookBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      const started = await Promise.allSettled(
        Array.from({ length: WORKER_PROCESSES }, (_, i) =>
          spawnWorker(configPath, stack!.redisUrl, join(dir, `worker-${i}`), join(dir, `worker-${i}.log`)),
        ),
      );
      for (const r of started) if (r.status === 'fulfilled') workers.push(r.value);
      const bad = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    },
    { timeout: 120_000 },
  );

  after(
    async () => {
      await Promise.allSettled(workers.map(stopWorker));
      for (const pid of groups) killGroup(pid, 'SIGKILL');
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      await stack?.stop().catch(() => undefined);
      await Promise.allSettled(scenarios.map((s) => s.close()));
      if (dir) {
        if (failed || process.env.KEEP_CONV_DIR) console.log(`convergence property: worker logs kept in ${dir}`);
        else await rm(dir, { recursive: true, force: true });
      }
    },
    { timeout: 60_000 },
  );

  async function post(
    lane: Lane,
    d: { id: string; body: string },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const signed = signedRequest(lane.s.kind, d.body, SECRET, { deliveryId: d.id });
    const res = await fetch(`${hookBase}/${lane.s.hostName}`, {
      method: 'POST',
      headers: signed.headers,
      body: new Uint8Array(signed.rawBody),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    return { status: res.status, body };
  }

  /** One run on a fresh source repository (so a fresh environment and head branch). */
  async function runOnce(lane: Lane, actions: Action[], runNo: number): Promise<void> {
    const { s } = lane;
    const app = lane.names[lane.next++]!;
    const appDir = s.git.bareDir(app);
    const head = `dispatchd/${s.hostName}/${app}/staging`;
    const headRef = `refs/heads/${head}`;
    const base = await s.git.createRepo(app, {
      files: { Dispatchfile: scmDispatchfile(s.gitopsUrl, s.kind), VERSION: '0\n' },
    });
    // staging starts a commit ahead of main, without a webhook (nothing deployed yet).
    let tip = await s.git.commit(app, 'staging', { VERSION: 'start\n' }, 'Start staging');
    // Which line of history each commit is on: a force-push starts a new one.
    const lineOf = new Map<string, number>([
      [base, 0],
      [tip, 0],
    ]);
    let line = 0;
    const forces: { line: number; reflogBefore: number; from: string; to: string }[] = [];
    const held: Delivery[] = [];
    const delivered: Delivery[] = [];
    const trace: string[] = [`run ${runNo}: ${s.kind} ${app}, main ${short(base)}, staging ${short(tip)}`];
    const problems: string[] = [];
    let deliveries = 0;
    let commits = 0;
    let stuck = false;

    const send = async (d: Delivery, id: string, expect: 'queued' | 'duplicate', what: string) => {
      const r = await post(lane, { id, body: d.body });
      const got = r.status === 202 ? String(r.body.status) : `HTTP ${r.status}`;
      trace.push(`  ${what} ${d.label} as ${id} → ${got}`);
      if (got !== expect)
        problems.push(`${what} of ${d.label} (${id}) answered ${got} ${JSON.stringify(r.body)}; expected ${expect}`);
    };
    const deliverFirst = async (d: Delivery, what: string) => {
      lane.stats.sent.first++;
      await send(d, d.id, 'queued', what);
      delivered.push(d);
    };

    for (const [i, a] of [...actions, FINAL].entries()) {
      const isFinal = i === actions.length;
      lane.stats.actions[a.kind]++;
      switch (a.kind) {
        case 'push':
        case 'forcePush': {
          const before = tip;
          let label: string;
          if (a.kind === 'push') {
            tip = await s.git.commit(
              app,
              'staging',
              { VERSION: `${runNo}.${++commits}\n` },
              `Release ${runNo}.${commits}`,
            );
            lineOf.set(tip, line);
            label = `push ${short(before)}→${short(tip)}`;
          } else {
            // A new commit on an older commit of the current line, then staging moved onto it.
            const older = (await git(appDir, ['rev-list', '--first-parent', before])).split('\n').slice(1);
            const from = older[a.back % older.length]!;
            await git(appDir, ['update-ref', 'refs/heads/conv-side', from]);
            const rewritten = await s.git.commit(
              app,
              'conv-side',
              { VERSION: `${runNo}.${++commits}-rewritten\n` },
              `Rewrite ${runNo}.${commits}`,
            );
            await git(appDir, ['update-ref', '-d', 'refs/heads/conv-side']);
            line++;
            lineOf.set(rewritten, line);
            const reflogBefore = (await reflog(lane.gitopsDir, headRef)).length;
            await git(appDir, ['update-ref', 'refs/heads/staging', rewritten, before]);
            tip = rewritten;
            forces.push({ line, reflogBefore, from: before, to: tip });
            label = `force-push ${short(before)}⇒${short(tip)} (on ${short(from)}, line ${line})`;
          }
          const body = s.pushBodyFor!(app, 'staging', before, tip, ['VERSION'], { forced: a.kind === 'forcePush' });
          const d: Delivery = { id: `${s.kind}-conv-${runNo}-${++deliveries}`, body, label };
          trace.push(`${isFinal ? 'final ' : ''}${label} [${a.mode}]`);
          if (a.mode === 'now') await deliverFirst(d, 'deliver');
          else if (a.mode === 'hold') held.push(d);
          break;
        }
        case 'deliverHeld': {
          if (held.length === 0) {
            lane.stats.noops++;
            trace.push('deliverHeld: nothing held');
            break;
          }
          const [d] = held.splice(a.pick % held.length, 1);
          trace.push(`deliverHeld ${d!.label}`);
          await deliverFirst(d!, 'late delivery');
          break;
        }
        case 'redeliver':
        case 'replayNewId': {
          if (delivered.length === 0) {
            lane.stats.noops++;
            trace.push(`${a.kind}: nothing delivered yet`);
            break;
          }
          const d = delivered[a.pick % delivered.length]!;
          if (a.kind === 'redeliver') {
            lane.stats.sent.redeliver++;
            await send(d, d.id, 'duplicate', 'redelivery');
          } else {
            lane.stats.sent.replay++;
            await send(d, `${d.id}-replay-${++deliveries}`, 'duplicate', 'replay (new id)');
          }
          break;
        }
      }
      if (a.gap > 0) await sleep(a.gap);
      // Once the queues failed to drain, a run waits no more (it bounds a stuck run to one wait).
      if (a.gap === SETTLE && !stuck) {
        await stack!.idle(IDLE_TIMEOUT_MS).then(
          () => trace.push('  (settled)'),
          (err: Error) => {
            stuck = true;
            problems.push(`queues not idle after action ${i}: ${err.message}`);
          },
        );
      }
    }
    if (held.length > 0) trace.push(`never delivered: ${held.map((d) => d.label).join('; ')}`);

    if (!stuck)
      await stack!
        .idle(IDLE_TIMEOUT_MS)
        .catch((err: Error) => problems.push(`queues not idle at the end: ${err.message}`));
    const dead = workers.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead.length > 0) problems.push(`a worker process died: ${dead.map((w) => w.tail()).join('\n')}`);

    // 1. The environment ends on the final tip.
    const finalTip = (await s.git.revParse(app, 'staging'))!;
    const rendered = await s.git.readFile(s.gitops, headRef, 'staging/application.yaml');
    const image = /image: (\S+)/.exec(rendered ?? '')?.[1] ?? '(no rendered file)';
    if (image !== `registry.example.com/acme/hello-world:staging-${finalTip}`)
      problems.push(`rendered image is ${image}; expected the final tip ${finalTip}`);
    const headSha = await s.git.revParse(s.gitops, headRef);
    const headCarries = headSha ? (await carriedBy(lane.gitopsDir, [headSha])).get(headSha) : undefined;
    if (headCarries !== finalTip)
      problems.push(
        `head ${head} (${short(headSha)}) carries Dispatchd-Commit ${headCarries ?? '(none)'}; expected the final tip ${finalTip}`,
      );

    // 2. Never backwards, except onto a newer line after a force-push.
    const updates = await reflog(lane.gitopsDir, headRef);
    const trailers = await carriedBy(lane.gitopsDir, updates);
    const carried = updates.map((u) => trailers.get(u) ?? '');
    const history = carried.map(
      (c, k) => `#${k} ${short(updates[k])} carries ${short(c)} (line ${lineOf.get(c) ?? '?'})`,
    );
    // The reflog must be the whole story: it ends where the head branch is.
    if (updates.at(-1) !== (headSha ?? undefined))
      problems.push(
        `the reflog of ${head} ends at ${short(updates.at(-1))}, the branch is at ${short(headSha)}: the history read back is incomplete`,
      );
    for (const [k, c] of carried.entries()) {
      if (!lineOf.has(c))
        problems.push(
          `head update #${k} (${short(updates[k])}) carries ${c || '(no trailer)'}, never a commit of staging in this run`,
        );
    }
    for (let k = 1; k < carried.length; k++) {
      const [a, b] = [carried[k - 1]!, carried[k]!];
      if (a === b || !lineOf.has(a) || !lineOf.has(b)) continue;
      if (await isAncestor(appDir, a, b)) continue;
      // Allowed only onto a newer line of history, whose force-push happened before this update.
      const la = lineOf.get(a)!;
      const lb = lineOf.get(b)!;
      const force = forces.find((f) => f.line === lb);
      if (lb > la && force && force.reflogBefore <= k) continue;
      problems.push(
        `head update #${k} moved back: ${short(a)} (line ${la}) → ${short(b)} (line ${lb}), not a descendant and not onto a newer line after a force-push`,
      );
    }

    // 3. One pull request for the environment.
    const open = s.openPulls().filter((p) => p.head === head);
    if (open.length > 1)
      problems.push(`${open.length} open pull requests from ${head}: ${open.map((p) => p.number).join(', ')}`);
    const created = s.pullsFrom!(head);
    if (created !== 1) problems.push(`${created} pull requests were created from ${head}; expected 1`);

    if (process.env.FC_TRACE)
      console.log(
        [
          ...trace,
          'head branch history (reflog):',
          ...history.map((h) => `  ${h}`),
          `problems: ${problems.length}`,
        ].join('\n'),
      );
    if (problems.length > 0) {
      const jobs = await stack!.producer.events.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      const plans = jobs
        .filter((j) => j.data?.event?.repo?.fullName === app)
        .sort((x, y) => (x.data.seq ?? 0) - (y.data.seq ?? 0))
        .map((j) => {
          const rv = j.returnvalue as { commit?: string; skipped?: string } | null;
          return (
            `  ${j.data.event.deliveryId} seq ${j.data.seq} after ${short(j.data.event.after)}: ` +
            `${j.failedReason ? `failed: ${j.failedReason}` : rv ? (rv.skipped ?? `planned ${short(rv.commit)}`) : 'not finished'}`
          );
        });
      throw new Error(
        [
          `convergence violated (FC_SEED=${SEED}, ${s.kind} run ${runNo}):`,
          ...problems.map((p) => `- ${p}`),
          `final tip ${finalTip}; ended on ${image}; head ${short(headSha)} carries ${headCarries ?? '(none)'}`,
          'actions:',
          ...trace,
          'head branch history (reflog):',
          ...history.map((h) => `  ${h}`),
          `force-pushes: ${forces.map((f) => `${short(f.from)}⇒${short(f.to)} (line ${f.line}, after head update #${f.reflogBefore - 1})`).join('; ') || 'none'}`,
          'plans (events jobs):',
          ...plans,
          `open PRs from the head: ${JSON.stringify(open.map((p) => p.number))}, created: ${created}`,
        ].join('\n'),
      );
    }
  }

  async function property(t: TestContext, kind: 'github' | 'gitlab'): Promise<void> {
    const lane = lanes.get(kind)!;
    const { s } = lane;
    assert.ok(s.pushBodyFor && s.pullsFrom && s.refTipCalls, `${kind} scenario lacks the property-test helpers`);
    const calls0 = { tips: s.refTipCalls(), compares: s.compareCalls() };
    const started = Date.now();
    const deadline = started + RUN_BUDGET_MS;
    let firstFailure: number | undefined;
    let lastError: string | undefined;
    t.diagnostic(`FC_SEED=${SEED} numRuns=${RUNS_PER_SCM}${PATH ? ` path=${PATH}` : ''}`);
    try {
      await fc.assert(
        fc.asyncProperty(actionsArb, async (actions) => {
          const now = Date.now();
          // Out of time (or of declared repositories): skip, so the file ends; counted and reported.
          if (
            now > deadline ||
            (firstFailure !== undefined && now > firstFailure + SHRINK_BUDGET_MS) ||
            lane.next >= lane.names.length
          ) {
            lane.stats.skipped++;
            return;
          }
          const runNo = ++lane.stats.runs;
          const t0 = Date.now();
          try {
            await runOnce(lane, actions, runNo);
          } catch (err) {
            firstFailure ??= Date.now();
            lane.stats.failures++;
            lastError = (err as Error).message;
            throw err;
          } finally {
            lane.stats.durations.push(Date.now() - t0);
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_SCM, ...(PATH ? { path: PATH } : {}), verbose: 1, includeErrorInReport: true },
      );
    } catch (err) {
      failed = true;
      // The last failing run is the smallest counterexample shrinking reached: its full story.
      const path = /path: "([^"]+)"/.exec((err as Error).message)?.[1];
      console.log(`convergence property: replay with FC_SEED=${SEED} FC_SCM=${kind}${path ? ` FC_PATH=${path}` : ''}`);
      if (lastError) console.log(`convergence property: last failing run:\n${lastError}`);
      throw err;
    } finally {
      const st = lane.stats;
      const jobs = (await stack!.producer.events.getJobs(['completed', 'failed'])).filter(
        (j) => j.data?.event?.host === s.hostName,
      );
      const rv = (j: (typeof jobs)[number]) => j.returnvalue as { skipped?: string; commit?: string } | null;
      const covered = jobs.filter((j) => rv(j)?.skipped?.startsWith('covered')).length;
      const notOnRef = jobs.filter((j) => rv(j)?.skipped && !rv(j)!.skipped!.startsWith('covered')).length;
      const failedJobs = jobs.filter((j) => j.failedReason).length;
      const plannedJobs = jobs.length - covered - notOnRef - failedJobs;
      const tips = s.refTipCalls() - calls0.tips;
      const compares = s.compareCalls() - calls0.compares;
      const processed = st.sent.first;
      const per = (n: number, d: number) => (d > 0 ? (n / d).toFixed(2) : '-');
      const d = st.durations;
      const lines = [
        `${kind}: ${st.runs} runs (${st.failures} failing, ${st.skipped} skipped past the time budget${st.skipped > 0 ? ' — a busy machine; raise FC_BUDGET_MS to run them' : ''}) in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s; per run min/avg/max ${d.length ? `${Math.min(...d)}/${Math.round(d.reduce((x, y) => x + y, 0) / d.length)}/${Math.max(...d)}` : '-'} ms`,
        `${kind}: actions ${JSON.stringify(st.actions)} (${st.noops} no-ops); deliveries sent ${st.sent.first + st.sent.redeliver + st.sent.replay} ` +
          `(first ${st.sent.first}, redeliveries ${st.sent.redeliver}, replays under a new id ${st.sent.replay})`,
        `${kind}: push jobs ${jobs.length}: planned ${plannedJobs}, covered ${covered}, not on the ref ${notOnRef}, failed ${failedJobs}`,
        `${kind}: SCM calls: ref-tip reads ${tips}, compares ${compares} → per processed push (${processed} accepted deliveries) ${per(tips, processed)} ` +
          `tip reads + ${per(compares, processed)} compares; per planned push ${per(tips, plannedJobs)} + ${per(compares, plannedJobs)}`,
      ];
      for (const l of lines) {
        t.diagnostic(l);
        console.log(`convergence property: ${l}`);
      }
    }
  }

  for (const kind of ['github', 'gitlab'] as const) {
    it(
      `${kind}: every interleaving ends on the final tip, never moves back, one PR`,
      { timeout: TEST_TIMEOUT_MS, skip: ONLY !== undefined && ONLY !== kind },
      async (t) => {
        await property(t, kind);
      },
    );
  }
});
