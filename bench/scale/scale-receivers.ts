import { hmacSha256Hex } from '../../src/scm/signature.js';
import { startRedis } from '../../test/helpers/redis.js';
import { startTsChild, type ServingChild } from '../lib/child.js';
import { commandStats, perRequest, redisCpuMs } from '../lib/redis-stats.js';
import { round } from '../lib/stats.js';
import { ensureWrk, queuedJobs } from '../receiver/bench-receiver.js';
import { nodeLoad, wrkLoad, type LoadResult } from '../receiver/load.js';
import { BENCH_SECRET, receiverPushTemplate, variantBody } from '../receiver/payload.js';

export interface ScaleRun {
  receivers: number;
  /** Sum over the receivers of 202s per second. */
  rps: number;
  /** The worst receiver's p99. */
  p99Ms: number;
  queued: number;
  /** redis-server CPU per queued webhook (INFO cpu), µs: 1e6 / this is where one Redis core caps. */
  redisCpuUsPerWebhook: number;
  redisCommandsPerWebhook: number;
  /** Where Redis alone would cap at this cost per webhook, webhooks/s on one core. */
  redisCapRps: number;
}

/**
 * Section 5: 1 and then 2 receivers (each with its inbox pump, as `dispatchd start` runs) against
 * one redis-server, each loaded by its own generator with `concurrency` connections. On 2 cores
 * this shows contention more than scaling; Redis CPU per webhook says where Redis becomes the limit.
 */
export async function benchScaleReceivers(o: {
  durationS: number;
  concurrency: number;
  generator: 'auto' | 'wrk' | 'node';
  bodies: number;
  log: (l: string) => void;
}): Promise<ScaleRun[]> {
  const load = o.generator === 'node' || !(await ensureWrk(o.log)) ? nodeLoad : wrkLoad;
  const template = receiverPushTemplate();
  const signatures = Array.from(
    { length: o.bodies },
    (_, i) => `sha256=${hmacSha256Hex(BENCH_SECRET, Buffer.from(variantBody(template, i)))}`,
  );
  const out: ScaleRun[] = [];
  for (const receivers of [1, 2]) {
    const redis = await startRedis();
    const children: ServingChild[] = [];
    try {
      for (let i = 0; i < receivers; i++)
        children.push(await startTsChild(new URL('../receiver/serve.ts', import.meta.url), ['receiver', redis.url]));
      const statsBefore = await commandStats(redis.url);
      const cpuBefore = await redisCpuMs(redis.url);
      // Each generator its own slice of the bodies, so no body is sent twice (a replay).
      const share = Math.floor(o.bodies / receivers);
      const results: LoadResult[] = await Promise.all(
        children.map((c, i) =>
          load({
            url: `http://127.0.0.1:${c.port}/hooks/github`,
            template,
            signatures,
            signatureHeader: 'x-hub-signature-256',
            startAt: i * share,
            headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
            uniqueHeader: 'x-github-delivery',
            concurrency: o.concurrency,
            durationS: o.durationS,
            maxRequests: share,
          }),
        ),
      );
      const queued = await queuedJobs(redis.url, 'receiver');
      const cpuUs = ((await redisCpuMs(redis.url)) - cpuBefore) * 1000;
      const stats = perRequest(statsBefore, await commandStats(redis.url), Math.max(1, queued));
      const perWebhook = round(cpuUs / Math.max(1, queued), 1);
      const run: ScaleRun = {
        receivers,
        rps: results.reduce((s, r) => s + r.rps, 0),
        p99Ms: Math.max(...results.map((r) => r.p99Ms)),
        queued,
        redisCpuUsPerWebhook: perWebhook,
        redisCommandsPerWebhook: stats.commands,
        redisCapRps: perWebhook > 0 ? Math.round(1e6 / perWebhook) : 0,
      };
      o.log(
        `  ${receivers} receiver(s): ${run.rps} req/s, p99 ${run.p99Ms} ms, Redis ${run.redisCpuUsPerWebhook} µs ` +
          `CPU and ${run.redisCommandsPerWebhook} commands per webhook (one Redis core caps near ${run.redisCapRps}/s)`,
      );
      out.push(run);
    } finally {
      for (const c of children) await c.stop();
      await redis.stop();
    }
  }
  return out;
}
