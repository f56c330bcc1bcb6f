import { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../../config/schema.js';
import { createHostWaits } from '../../queue/hosts.js';

export interface HostsRouterDeps {
  redis: Redis;
  /** When given, configured hosts that never failed are listed too (failing: false). */
  config?: Pick<DispatchdConfig, 'hosts'>;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * `GET /hosts`, mounted under `/api` behind the admin token: which host is failing, since when,
 * its last error, and how many jobs wait on it (push deliveries and environment updates held by a
 * passing fault, retried until the retry horizon). Read from Redis, so any receiver answers the
 * same; `?limit=` caps the waiting jobs listed per host (default 20, at most 500).
 */
export function hostsRouter(deps: HostsRouterDeps): Router {
  const waits = createHostWaits(deps.redis);
  const r = Router();
  r.get('/hosts', async (req: Request, res: Response) => {
    const raw = typeof req.query.limit === 'string' ? Number(req.query.limit) : 20;
    const limit = Number.isInteger(raw) && raw >= 0 ? Math.min(raw, 500) : 20;
    const recorded = await waits.list(limit);
    const seen = new Set(recorded.map((h) => h.host));
    const quiet = Object.keys(deps.config?.hosts ?? {})
      .filter((h) => !seen.has(h))
      .sort();
    const kindOf = (h: string) => deps.config?.hosts[h]?.kind ?? null;
    const hosts = [
      ...recorded.map((h) => ({
        host: h.host,
        kind: kindOf(h.host),
        failing: h.waiting > 0,
        waiting: h.waiting,
        deliveries: h.deliveries,
        environments: h.environments,
        since: iso(h.since),
        lastError: h.lastError ?? null,
        lastErrorAt: iso(h.lastErrorAt),
        healedAt: iso(h.healedAt),
        jobs: h.jobs.map((j) => ({ queue: j.queue, jobId: j.jobId, since: iso(j.since) })),
      })),
      ...quiet.map((host) => ({
        host,
        kind: kindOf(host),
        failing: false,
        waiting: 0,
        deliveries: 0,
        environments: 0,
        since: null,
        lastError: null,
        lastErrorAt: null,
        healedAt: null,
        jobs: [],
      })),
    ];
    res.json({ failing: hosts.filter((h) => h.failing).map((h) => h.host), hosts });
  });
  return r;
}
