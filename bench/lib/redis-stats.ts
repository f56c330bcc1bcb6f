import { Redis } from 'ioredis';

export interface CommandStats {
  /** Redis commands per request (scripts count once, plus what they call inside). */
  commands: number;
  /** Redis CPU time per request in microseconds, from INFO commandstats. */
  redisUs: number;
  /** The costliest commands: name → [calls per request, µs per request]. */
  top: Record<string, [number, number]>;
}

type Raw = Map<string, { calls: number; usec: number }>;

/** INFO commandstats of a redis-server, by command. */
export async function commandStats(url: string): Promise<Raw> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  try {
    const text = await redis.info('commandstats');
    const out: Raw = new Map();
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
      out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
    return out;
  } finally {
    redis.disconnect();
  }
}

/** What one request cost Redis between two snapshots; `info` and `config` (ours) excluded. */
export function perRequest(before: Raw, after: Raw, requests: number): CommandStats {
  const rows: [string, number, number][] = [];
  for (const [name, a] of after) {
    if (name === 'info' || name === 'config') continue;
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) rows.push([name, (a.calls - b.calls) / requests, (a.usec - b.usec) / requests]);
  }
  rows.sort((x, y) => y[2] - x[2]);
  const r2 = (x: number) => Number(x.toFixed(2));
  return {
    commands: r2(rows.reduce((s, r) => s + r[1], 0)),
    redisUs: r2(rows.reduce((s, r) => s + r[2], 0)),
    top: Object.fromEntries(rows.slice(0, 8).map(([n, c, u]) => [n, [r2(c), r2(u)]])),
  };
}

/**
 * redis-server's own CPU (user + system, ms) from INFO cpu: what commandstats leaves out (event
 * loop, networking, AOF writes) and without counting a script's or a transaction's commands twice.
 */
export async function redisCpuMs(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  try {
    const text = await redis.info('cpu');
    const n = (k: string) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
    return (n('used_cpu_user') + n('used_cpu_sys')) * 1000;
  } finally {
    redis.disconnect();
  }
}
