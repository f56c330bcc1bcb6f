import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createHostWaits, type HostWaits } from '../queue/hosts.js';

/** Queue states reported by `dispatchd_queue_jobs`; read from Redis on every scrape. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/**
 * Every Prometheus instrument of one dispatchd process, on a Registry of its own: the global
 * default registry would mix the metrics of several stacks in one test process (and in one
 * `start` process holding both receiver and workers, both must share this one object).
 */
export function createMetrics(opts: { queues?: Queue[]; redis?: Redis } = {}) {
  const registry = new Registry();
  const registers = [registry];
  // The hosts' waiting jobs (src/queue/hosts.ts), read once per scrape for both host gauges, over
  // the connection given here or later by readHostsFrom (the runtime wires its producer's).
  let hostsRedis = opts.redis;
  let hostsRead: { at: number; hosts: Promise<HostWaits[] | null> } | undefined;
  const readHosts = (): Promise<HostWaits[] | null> => {
    if (hostsRead && Date.now() - hostsRead.at < 250) return hostsRead.hosts;
    const hosts = hostsRedis
      ? createHostWaits(hostsRedis)
          .list(0)
          .catch(() => null)
      : Promise.resolve(null);
    hostsRead = { at: Date.now(), hosts };
    return hosts;
  };
  // Both host gauges read the same (memoised) list at scrape time; only what they show differs.
  const hostGauge = (name: string, help: string, value: (waiting: number) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['host'] as const,
      registers,
      async collect() {
        const hosts = await readHosts();
        if (!hosts) return;
        this.reset();
        for (const h of hosts) this.set({ host: h.host }, value(h.waiting));
      },
    });
  const metrics = {
    registry,
    /** Where the host gauges read the hosts' waiting jobs at scrape time. */
    readHostsFrom(redis: Redis): void {
      hostsRedis = redis;
    },
    webhooks: new Counter({
      name: 'dispatchd_webhooks_total',
      // `host` is a configured host name, or `unknown` for every /hooks/<name> naming none
      // (src/http/hooks.ts): an unauthenticated path must not mint series.
      help: 'Webhook requests by host (a configured name, or "unknown"), event and outcome (queued, duplicate, ignored, ping, bad_signature, …)',
      labelNames: ['host', 'event', 'outcome'] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'dispatchd_job_duration_seconds',
      help: 'Time a worker spent on one job, by kind (plan = a push, gitops = one environment update) and outcome',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    pushToPr: new Histogram({
      name: 'dispatchd_push_to_pr_seconds',
      help: 'From the receiver accepting a push to its pull request (or branch) being updated, by source host',
      labelNames: ['host'] as const,
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    scmCalls: new Counter({
      name: 'dispatchd_scm_api_calls_total',
      help: 'SCM API calls by host, operation and outcome (ok, transient, permanent)',
      labelNames: ['host', 'operation', 'outcome'] as const,
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: 'dispatchd_scm_rate_limit_remaining',
      help: 'Requests left in the SCM rate-limit window, by host, as last reported by the SCM',
      labelNames: ['host'] as const,
      registers,
    }),
    gitPushes: new Counter({
      name: 'dispatchd_git_pushes_total',
      help: 'Commits pushed to GitOps repositories, by GitOps host',
      labelNames: ['host'] as const,
      registers,
    }),
    queueJobs: new Gauge({
      name: 'dispatchd_queue_jobs',
      help: 'Jobs in each queue by state, read from Redis when scraped',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        // Read at scrape time so that any receiver or worker reports the shared Redis truth.
        for (const q of opts.queues ?? []) {
          const counts = await q.getJobCounts(...QUEUE_STATES).catch(() => null);
          if (!counts) continue;
          for (const s of QUEUE_STATES) this.set({ queue: q.name, state: s }, counts[s] ?? 0);
        }
      },
    }),
    hostWaiting: hostGauge(
      'dispatchd_host_waiting_deliveries',
      'Jobs (push deliveries and environment updates) waiting to retry after a passing fault of this host, read from Redis when scraped',
      (waiting) => waiting,
    ),
    hostFailing: hostGauge(
      'dispatchd_host_failing',
      '1 while jobs wait on this host after a passing fault (5xx, timeout, rate limit), else 0',
      (waiting) => (waiting > 0 ? 1 : 0),
    ),
  };
  return metrics;
}
export type Metrics = ReturnType<typeof createMetrics>;
