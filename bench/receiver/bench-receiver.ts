import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { hmacSha256Hex } from '../../src/scm/signature.js';
import { startRedis } from '../../test/helpers/redis.js';
import { rssMB, startTsChild } from '../lib/child.js';
import { commandStats, perRequest, redisCpuMs, type CommandStats } from '../lib/redis-stats.js';
import { median, round } from '../lib/stats.js';
import { nodeLoad, wrkLoad, type LoadResult, type LoadSpec } from './load.js';
import { BENCH_SECRET, receiverPushTemplate, variantBody } from './payload.js';

export interface ReceiverOptions {
  rounds: number;
  durationS: number;
  warmupS: number;
  concurrency: number;
  /** Node generator's request cap per run. */
  maxRequests: number;
  /** Distinct signed bodies prepared (warm-up and run together should stay below it). */
  bodies: number;
  /** 'auto': wrk when on the PATH (installed with apt-get when root), else the node loop. */
  generator: 'auto' | 'wrk' | 'node';
  /** Diagnostic only: Redis's appendfsync for these runs (the service's durability needs 'always'). */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Diagnostic: also run the receiver alone, as `dispatchd serve` (no worker's inbox pump in its process). */
  diagnose?: boolean;
  /** Writes each server's V8 CPU profile (`node --cpu-prof`) into this directory. */
  profileDir?: string;
  log: (line: string) => void;
}

type Mode = 'baseline' | 'receiver' | 'receiver-split';
export interface ReceiverRun extends LoadResult {
  server: Mode;
  round: number;
  queued: number;
  /** The server process's CPU (user + system) per queued request, from /proc; null elsewhere. */
  serverCpuMsPerRequest: number | null;
  /** The server process's resident memory right after the load, MB (Linux). */
  serverRssMB: number | null;
  /** redis-server's CPU per queued request, from INFO cpu (µs). */
  redisCpuUsPerRequest: number;
  redis: CommandStats;
}

export interface ReceiverResult {
  generator: 'wrk' | 'node';
  concurrency: number;
  durationS: number;
  rounds: number;
  runs: ReceiverRun[];
  /** With --diagnose: the receiver alone (`dispatchd serve`), the idle inbox pump in another process. */
  split?: { rps: number; p50Ms: number; p99Ms: number; ratio: number };
  baseline: { rps: number; p50Ms: number; p99Ms: number };
  dispatchd: { rps: number; p50Ms: number; p99Ms: number };
  /** dispatchd's median throughput over the baseline's. */
  ratio: number;
}

const hasWrk = () => {
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Installs Debian's wrk when it is missing and we may (root with apt-get); never fails the bench. */
export async function ensureWrk(log: (l: string) => void): Promise<boolean> {
  if (hasWrk()) return true;
  if (process.getuid?.() !== 0) return false;
  log('wrk is missing: apt-get install -y wrk');
  const run = promisify(execFile);
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).catch(async () => {
      await run('apt-get', ['update']);
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    });
  } catch (err) {
    log(`could not install wrk (${(err as Error).message.split('\n')[0]}); using the node load loop`);
  }
  return hasWrk();
}

async function setFsync(url: string, mode: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await redis.config('SET', 'appendfsync', mode);
  } finally {
    redis.disconnect();
  }
}

/** user + system CPU of a process in ms, from /proc/<pid>/stat (Linux); null when unreadable. */
async function processCpuMs(pid: number | undefined): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
// USER_HZ: 100 on every Linux that Node 20 supports.
const CLOCK_TICKS = 100;

/**
 * Deliveries the server stored in Redis: both servers' queues, whatever their state, and for
 * dispatchd any inbox stream entries (none since receivers write jobs directly; counted so that
 * a receiver that wrote entries again would still be measured right).
 */
export async function queuedJobs(redisUrl: string, mode: Mode): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue =
    mode === 'baseline'
      ? new Queue('bench-baseline', { connection: redis, prefix: 'baseline' })
      : new Queue('events', { connection: redis, prefix: 'dispatchd' });
  try {
    // dispatchd: let its pump empty the inbox stream first (at most 10 s), so that no delivery is
    // counted in neither place while it moves; whatever is left in the stream is counted too.
    for (let i = 0; mode !== 'baseline' && i < 200 && (await redis.xlen('dispatchd:inbox')) > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const inStream = mode === 'baseline' ? 0 : await redis.xlen('dispatchd:inbox');
    return Object.values(counts).reduce((a, b) => a + b, 0) + inStream;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * Section 1: the real receiver (src/runtime/receiver.ts) against a bare node:http + HMAC +
 * `queue.add` server, each over its own fresh redis-server with `appendfsync always`, each in its
 * own process, in alternating order over `rounds`; medians are compared.
 */
export async function benchReceiver(o: ReceiverOptions): Promise<ReceiverResult> {
  const wrk = o.generator === 'wrk' || (o.generator === 'auto' && (await ensureWrk(o.log)));
  if (o.generator === 'wrk' && !hasWrk())
    throw new Error('--generator wrk: wrk is not on the PATH; install it with apt-get install wrk');
  const load = wrk ? wrkLoad : nodeLoad;
  const template = receiverPushTemplate();
  const signatures = Array.from(
    { length: o.bodies },
    (_, i) => `sha256=${hmacSha256Hex(BENCH_SECRET, Buffer.from(variantBody(template, i)))}`,
  );
  const headers = { 'content-type': 'application/json', 'x-github-event': 'push' };
  const runs: ReceiverRun[] = [];
  for (let n = 1; n <= o.rounds; n++) {
    const modes: Mode[] = o.diagnose ? ['baseline', 'receiver', 'receiver-split'] : ['baseline', 'receiver'];
    const order = n % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      const redis = await startRedis();
      if (o.appendfsync && o.appendfsync !== 'always') await setFsync(redis.url, o.appendfsync);
      const prof = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}/${mode}-round${n}`] : [];
      const child = await startTsChild(new URL('./serve.ts', import.meta.url), [mode, redis.url], 20_000, prof);
      // 'receiver-split': the receiver as `dispatchd serve`; the inbox pump (idle: it drains only
      // older receivers' stream entries) runs in another process, as a worker's would.
      const pump =
        mode === 'receiver-split'
          ? await startTsChild(new URL('./serve.ts', import.meta.url), ['pump', redis.url])
          : undefined;
      try {
        const spec: LoadSpec = {
          url: `http://127.0.0.1:${child.port}/hooks/github`,
          template,
          signatures,
          signatureHeader: 'x-hub-signature-256',
          startAt: 0,
          headers,
          uniqueHeader: 'x-github-delivery',
          concurrency: o.concurrency,
          durationS: o.warmupS,
          maxRequests: o.maxRequests,
        };
        const warm = o.warmupS > 0 ? await load(spec) : undefined;
        const before = await queuedJobs(redis.url, mode);
        const statsBefore = await commandStats(redis.url);
        const cpuBefore = await processCpuMs(child.process.pid);
        const redisCpuBefore = await redisCpuMs(redis.url);
        // Past the warm-up's bodies, with room for the requests still in flight when it stopped
        // (sent, not counted): reusing one of those would be a replay, answered but not queued.
        const startAt = warm ? warm.requests + 10 * o.concurrency : 0;
        const r = await load({ ...spec, startAt, durationS: o.durationS });
        if (startAt + r.requests > o.bodies)
          o.log(
            `  (more requests than --bodies ${o.bodies}: bodies repeated, the receiver dropped repeats as replays)`,
          );
        const cpuAfter = await processCpuMs(child.process.pid);
        const serverRssMB = await rssMB(child.process.pid);
        const queued = (await queuedJobs(redis.url, mode)) - before;
        const stats = perRequest(statsBefore, await commandStats(redis.url), Math.max(1, queued));
        const redisCpuUsPerRequest = round(
          (((await redisCpuMs(redis.url)) - redisCpuBefore) * 1000) / Math.max(1, queued),
          1,
        );
        const cpu =
          cpuBefore === null || cpuAfter === null ? null : round((cpuAfter - cpuBefore) / Math.max(1, queued), 3);
        runs.push({
          ...r,
          server: mode,
          round: n,
          queued,
          serverCpuMsPerRequest: cpu,
          serverRssMB,
          redisCpuUsPerRequest,
          redis: stats,
        });
        o.log(
          `  ${mode.padEnd(8)} round ${n}: ${r.rps} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  (${r.ok} ok, ${r.failed} failed, ${queued} queued; ` +
            `server CPU ${cpu ?? '?'} ms, RSS ${serverRssMB ?? '?'} MB; Redis ${stats.commands} commands, ${redisCpuUsPerRequest} µs CPU per request)`,
        );
      } finally {
        await pump?.stop();
        await child.stop();
        await redis.stop();
      }
    }
  }
  const pick = (mode: Mode) => {
    const rs = runs.filter((r) => r.server === mode);
    return {
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
    };
  };
  const baseline = pick('baseline');
  const dispatchd = pick('receiver');
  const split = o.diagnose
    ? { ...pick('receiver-split'), ratio: round(pick('receiver-split').rps / baseline.rps) }
    : undefined;
  return {
    ...(split ? { split } : {}),
    generator: wrk ? 'wrk' : 'node',
    concurrency: o.concurrency,
    durationS: o.durationS,
    rounds: o.rounds,
    runs,
    baseline,
    dispatchd,
    ratio: round(dispatchd.rps / baseline.rps),
  };
}
