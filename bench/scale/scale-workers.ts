import { performance } from 'node:perf_hooks';
import { rssMB } from '../lib/child.js';
import { commandStats, perRequest, redisCpuMs } from '../lib/redis-stats.js';
import { round, summarize } from '../lib/stats.js';
import { branchName, startFleet } from './fleet.js';

export interface WorkerScaleRun {
  workers: number;
  /** Pushes in the timed batch, each to its own branch and so its own environment. */
  pushes: number;
  /** Webhook sent → final deploy status on the commit (its PR created or updated), ms. */
  p50Ms: number;
  p99Ms: number;
  /** Environment updates per second: pushes / (last settled − first webhook). */
  updatesPerS: number;
  /** redis-server CPU per webhook over the batch, µs (receiver, pumps, plan and GitOps jobs, idle polling). */
  redisCpuUsPerWebhook: number;
  redisCommandsPerWebhook: number;
  /** What the same processes cost Redis per second with nothing to do (BullMQ's blocking pickup, stalled checks). */
  redisIdleCpuUsPerS: number;
  redisIdleCommandsPerS: number;
  /** Per webhook with the idle cost of the batch's duration taken out: what one update itself costs Redis. */
  redisCpuUsPerUpdateNet: number;
  /** Mean RSS of the worker processes after the batch, MB. */
  workerRssMB: number;
}

/** How long the idle cost of the worker processes is measured after each batch. */
const IDLE_MS = 3000;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now();
}

/**
 * Section 6b: 2 and then 4 worker processes over one redis-server, fed by one receiver. Each
 * run first updates every environment once (untimed: each worker clones its mirror and the PRs
 * are opened), then times a batch of `pushes` webhooks sent at once, one per branch.
 */
export async function benchScaleWorkers(o: {
  counts: number[];
  pushes: number;
  log: (l: string) => void;
}): Promise<WorkerScaleRun[]> {
  const out: WorkerScaleRun[] = [];
  for (const workers of o.counts) {
    const fleet = await startFleet({ apps: 1, gitops: 1, branches: o.pushes }, workers);
    try {
      const batch = async (version: string) => {
        const commits = [];
        for (let b = 0; b < o.pushes; b++) commits.push(await fleet.commit(0, branchName(b), version));
        const t0 = performance.now();
        const statuses = await Promise.all(commits.map((c, b) => fleet.deliver(0, branchName(b), c.before, c.sha)));
        if (statuses.some((s) => s !== 202)) throw new Error(`webhooks answered ${statuses.join(', ')}, expected 202`);
        const done = await Promise.all(
          commits.map((c) =>
            until(() => fleet.settled(0, c.sha), 120_000, `the deploy status of ${c.sha.slice(0, 7)}`),
          ),
        );
        await fleet.idle(60_000);
        return done.map((at) => at - t0);
      };
      await batch('1.0.0');
      const statsBefore = await commandStats(fleet.redisUrl);
      const cpuBefore = await redisCpuMs(fleet.redisUrl);
      const windowStart = performance.now();
      const ms = await batch('2.0.0');
      const windowS = (performance.now() - windowStart) / 1000;
      const cpuUs = ((await redisCpuMs(fleet.redisUrl)) - cpuBefore) * 1000;
      const statsAfter = await commandStats(fleet.redisUrl);
      const stats = perRequest(statsBefore, statsAfter, o.pushes);
      // The same processes with nothing to do, for IDLE_MS: what polling alone costs Redis.
      const idleCpuBefore = await redisCpuMs(fleet.redisUrl);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const idleCpuUs = ((await redisCpuMs(fleet.redisUrl)) - idleCpuBefore) * 1000;
      const idle = perRequest(statsAfter, await commandStats(fleet.redisUrl), IDLE_MS / 1000);
      const idleCpuUsPerS = idleCpuUs / (IDLE_MS / 1000);
      const rss = await Promise.all(fleet.workers.map((w) => rssMB(w.process.pid)));
      const s = summarize(ms);
      const run: WorkerScaleRun = {
        workers,
        pushes: o.pushes,
        p50Ms: s.p50Ms,
        p99Ms: s.p99Ms,
        updatesPerS: round(o.pushes / (Math.max(...ms) / 1000), 1),
        redisCpuUsPerWebhook: round(cpuUs / o.pushes, 1),
        redisCommandsPerWebhook: stats.commands,
        redisIdleCpuUsPerS: round(idleCpuUsPerS, 0),
        redisIdleCommandsPerS: idle.commands,
        redisCpuUsPerUpdateNet: round(Math.max(0, cpuUs - idleCpuUsPerS * windowS) / o.pushes, 1),
        workerRssMB: round(rss.reduce((a: number, r) => a + (r ?? 0), 0) / rss.length, 1),
      };
      o.log(
        `  ${workers} workers: ${o.pushes} pushes to distinct environments, push → PR p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
          `${run.updatesPerS} updates/s; Redis ${run.redisCpuUsPerWebhook} µs CPU and ${run.redisCommandsPerWebhook} commands per webhook ` +
          `(${run.redisCpuUsPerUpdateNet} µs without idle polling; idle: ${run.redisIdleCpuUsPerS} µs CPU and ${run.redisIdleCommandsPerS} commands per s); ` +
          `worker RSS ${run.workerRssMB} MB`,
      );
      out.push(run);
    } finally {
      await fleet.close();
    }
  }
  return out;
}
