/**
 * `npm run bench`: the four figures of issue 6, each against a baseline measured in the same run
 * (these machines are shared and noisy). Writes bench/results.json and prints a table.
 * Options (defaults in brackets): --rounds [2] --duration [4] --warmup [1] --concurrency [32]
 * --generator [auto|wrk|node] --bodies [100000] --iterations [10] --burst [200] --only [receiver,pipeline,scm,burst,attacks,scale,mirrors]
 * --scm-updates [3] --workers [2,4] --scale-pushes [16] --mirrors [20] --api-latency [0]
 * --diagnose (adds a receiver variant, see docs) --profile <dir> (CPU profiles of the receiver section's servers) --out [bench/results.json]. docs/benchmark.md explains each figure.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { REPO_ROOT } from '../test/helpers/node-entry.js';
import { parseArgs } from 'node:util';
import { benchAttacks } from './attacks/bench-attacks.js';
import { benchBurst } from './pipeline/burst.js';
import { benchPushToPr } from './pipeline/push-to-pr.js';
import { benchPerScm } from './pipeline/per-scm.js';
import { startRig } from './pipeline/rig.js';
import { benchReceiver } from './receiver/bench-receiver.js';
import { benchScaleReceivers } from './scale/scale-receivers.js';
import { benchScaleWorkers } from './scale/scale-workers.js';
import { benchMirrors } from './scale/mirrors.js';
import { judge, render, type BenchResults } from './report.js';
import { mirrorsOnDisk } from './lib/disk.js';

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
    generator: { type: 'string', default: 'auto' },
    iterations: { type: 'string', default: '10' },
    burst: { type: 'string', default: '200' },
    bodies: { type: 'string', default: '100000' },
    only: { type: 'string', default: 'receiver,pipeline,scm,burst,attacks,scale,mirrors' },
    workers: { type: 'string', default: '2,4' },
    'scale-pushes': { type: 'string', default: '16' },
    mirrors: { type: 'string', default: '20' },
    'scm-updates': { type: 'string', default: '3' },
    'api-latency': { type: 'string', default: '0' },
    diagnose: { type: 'boolean', default: false },
    profile: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench/results.json') },
  },
});

const num = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${v}"`);
  return n;
};
const generator = a.generator as 'auto' | 'wrk' | 'node';
if (!['auto', 'wrk', 'node'].includes(generator))
  throw new Error(`--generator must be auto, wrk or node, got "${a.generator}"`);
const only = new Set(
  (a.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const s of only)
  if (!['receiver', 'pipeline', 'scm', 'burst', 'attacks', 'scale', 'mirrors'].includes(s))
    throw new Error(`--only takes receiver, pipeline, scm, burst, attacks, scale and mirrors, got "${s}"`);
const settings = {
  rounds: num('rounds', a.rounds, 1),
  durationS: num('duration', a.duration, 1),
  warmupS: num('warmup', a.warmup, 0),
  concurrency: num('concurrency', a.concurrency, 1),
  generator,
  iterations: num('iterations', a.iterations, 1),
  burst: num('burst', a.burst, 1),
  bodies: num('bodies', a.bodies, 1),
  scmUpdates: num('scm-updates', a['scm-updates'], 1),
  apiLatencyMs: num('api-latency', a['api-latency'], 0),
  workerCounts: (a.workers ?? '').split(',').map((w) => num('workers', w, 1)),
  scalePushes: num('scale-pushes', a['scale-pushes'], 1),
  mirrors: num('mirrors', a.mirrors, 1),
  only: [...only],
  diagnose: a.diagnose ?? false,
  ...(a.profile ? { profileDir: a.profile } : {}),
};
const log = (line: string) => process.stderr.write(`${line}\n`);

const started = Date.now();
const loadavgStart = loadavg();
const results: Omit<BenchResults, 'targets' | 'durationS' | 'machine'> = {
  version: 1,
  startedAt: new Date(started).toISOString(),
  settings,
};
if (only.has('receiver')) {
  log('1. receiver vs bare baseline');
  results.receiver = await benchReceiver({ ...settings, maxRequests: 1_000_000, log });
}
if (only.has('pipeline') || only.has('burst')) {
  const rig = await startRig({ apiLatencyMs: settings.apiLatencyMs });
  try {
    const memory: NonNullable<BenchResults['memory']> = { mirrors: 0, mirrorDiskKB: 0 };
    const rssMB = () => Math.round(process.memoryUsage().rss / 104857.6) / 10;
    if (only.has('pipeline')) {
      log('2-3. push → PR vs bare git floor');
      results.pushToPr = await benchPushToPr(rig, settings.iterations, log);
      memory.afterPipelineMB = rssMB();
    }
    if (only.has('burst')) {
      log('4. burst');
      results.burst = await benchBurst(rig, settings.burst, log);
      memory.afterBurstMB = rssMB();
    }
    Object.assign(memory, await mirrorsOnDisk(join(rig.stack.config.dataDir, 'mirrors')));
    results.memory = memory;
  } finally {
    await rig.close();
  }
}
if (only.has('scm')) {
  log('3b. calls per environment update on every SCM emulator');
  results.perScm = await benchPerScm(settings.scmUpdates, log);
}
if (only.has('attacks')) {
  log('5. hostile input: worst case time and memory of the attack corpus');
  results.attacks = await benchAttacks(log);
}
if (only.has('scale')) {
  log('6. scale out: 1 and then 2 receivers against one Redis');
  results.scale = await benchScaleReceivers({ ...settings, log });
  log(`6b. scale out: ${settings.workerCounts.join(' and then ')} worker processes against one Redis`);
  results.scaleWorkers = await benchScaleWorkers({ counts: settings.workerCounts, pushes: settings.scalePushes, log });
}
if (only.has('mirrors')) {
  log(`7. one worker holding ${settings.mirrors} GitOps mirrors`);
  results.mirrors = await benchMirrors({ mirrors: settings.mirrors, log });
}
const full: BenchResults = {
  ...results,
  durationS: Math.round((Date.now() - started) / 1000),
  machine: {
    cpus: cpus().length,
    node: process.version,
    platform: process.platform,
    loadavgStart,
    loadavgEnd: loadavg(),
  },
  targets: judge(results),
};
await writeFile(a.out!, `${JSON.stringify(full, null, 2)}\n`);
process.stdout.write(`\n${render(full)}\n\nwrote ${a.out}\n`);
