import type { RedisOptions } from 'ioredis';
import { toMs } from '../config/duration.js';
import type { Env } from '../config/load.js';
import type { DispatchdConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';

/**
 * Where dispatchd's Redis is, as one string that every process and CLI argument can carry:
 *
 * - `redis://[[user]:password@]host:port[/db]` or `rediss://…`: one Redis (ioredis reads it);
 * - `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/<master name>[/db]`: ask these
 *   sentinels (port 26379 by default) for the master of that group and follow its failovers;
 *   `?sentinelUsername=…&sentinelPassword=…` when the sentinels require a password.
 *
 * Both take `?minReplicasToAck=N&ackTimeout=MS`: a delivery is answered 202 only once N replicas
 * hold it (Redis WAIT, docs/reliability.md#redis-failover). Special characters in user names and
 * passwords are percent-encoded, as in any URL.
 */
export interface RedisTarget {
  /** One Redis: the redis:// or rediss:// URL for ioredis, dispatchd's own parameters removed. */
  url?: string;
  sentinel?: SentinelSettings;
  /** Replicas that must acknowledge a delivery before its 202; 0 = no WAIT. */
  minReplicasToAck: number;
  ackTimeoutMs: number;
}

export interface SentinelSettings {
  sentinels: { host: string; port: number }[];
  /** The master group name the sentinels monitor. */
  name: string;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  db: number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 500;
/** WAIT's bound: the inbox gives Redis 1.5 s in all and the receiver answers within 2 s. */
export const MAX_ACK_TIMEOUT_MS = 1000;
const DEFAULT_SENTINEL_PORT = 26379;
const SENTINEL_URL = /^redis\+sentinel:\/\/(?:([^/]*)@)?([^/?#@]+)(?:\/([^/?#]*))?(?:\/(\d+))?\/?$/i;
const SENTINEL_FORM = 'redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/<master name>[/db]';

const decode = (s: string, what: string, problems: string[]) => {
  try {
    return decodeURIComponent(s);
  } catch {
    problems.push(`REDIS_URL: the ${what} is not valid percent-encoding`);
    return s;
  }
};

function durationMs(text: string): number | undefined {
  const m = /^(\d+)(ms|s)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function checkAck(minReplicasToAck: number, ackTimeoutMs: number, where: string, problems: string[]): void {
  if (!Number.isInteger(minReplicasToAck) || minReplicasToAck < 0)
    problems.push(`${where}minReplicasToAck: a whole number of replicas, 0 or more`);
  if (!Number.isInteger(ackTimeoutMs) || ackTimeoutMs < 1 || ackTimeoutMs > MAX_ACK_TIMEOUT_MS) {
    problems.push(
      `${where}ackTimeout: between 1 ms and ${MAX_ACK_TIMEOUT_MS} ms (the receiver answers within 2 s; a replica on the same network acknowledges in about a millisecond)`,
    );
  }
}

function parseSentinelHosts(list: string, problems: string[]): SentinelSettings['sentinels'] {
  return list.split(',').flatMap((item) => {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(item) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(item);
    const port = m?.[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(m[2]);
    if (!m?.[1] || port < 1 || port > 65535) {
      problems.push(`REDIS_URL: "${item}" is not a sentinel address (host or host:port)`);
      return [];
    }
    return [{ host: m[1], port }];
  });
}

/** Reads a REDIS_URL of either form; every problem is listed at once (ConfigError). */
export function parseRedisTarget(text: string): RedisTarget {
  const problems: string[] = [];
  const q = text.indexOf('?');
  const base = q === -1 ? text : text.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : text.slice(q + 1));
  const take = (name: string) => {
    const v = params.get(name);
    params.delete(name);
    return v ?? undefined;
  };
  const minText = take('minReplicasToAck');
  const timeoutText = take('ackTimeout');
  const minReplicasToAck = minText === undefined ? 0 : /^\d+$/.test(minText) ? Number(minText) : NaN;
  const ackTimeoutMs = timeoutText === undefined ? DEFAULT_ACK_TIMEOUT_MS : (durationMs(timeoutText) ?? NaN);
  checkAck(minReplicasToAck, ackTimeoutMs, 'REDIS_URL ?', problems);
  let target: RedisTarget;
  if (/^redis\+sentinel:/i.test(base)) {
    const m = SENTINEL_URL.exec(base);
    if (!m) problems.push(`REDIS_URL: a Sentinel URL reads ${SENTINEL_FORM}`);
    else if (!m[3]) problems.push(`REDIS_URL: name the master group after the sentinels: ${SENTINEL_FORM}`);
    const sentinel: SentinelSettings = {
      sentinels: m ? parseSentinelHosts(m[2]!, problems) : [],
      name: m?.[3] ? decode(m[3], 'master name', problems) : '',
      db: m?.[4] ? Number(m[4]) : 0,
    };
    if (m?.[1] !== undefined) {
      const colon = m[1].indexOf(':');
      const user = colon === -1 ? m[1] : m[1].slice(0, colon);
      if (user) sentinel.username = decode(user, 'user name', problems);
      if (colon !== -1 && colon < m[1].length - 1)
        sentinel.password = decode(m[1].slice(colon + 1), 'password', problems);
    }
    const sentinelUsername = take('sentinelUsername');
    const sentinelPassword = take('sentinelPassword');
    if (sentinelUsername) sentinel.sentinelUsername = sentinelUsername;
    if (sentinelPassword) sentinel.sentinelPassword = sentinelPassword;
    const unknown = [...params.keys()];
    if (unknown.length > 0)
      problems.push(
        `REDIS_URL: unknown parameter(s) ${unknown.join(', ')} (a Sentinel URL takes sentinelUsername, sentinelPassword, minReplicasToAck, ackTimeout)`,
      );
    target = { sentinel, minReplicasToAck, ackTimeoutMs };
  } else if (/^rediss?:\/\/./i.test(base)) {
    // ioredis reads the URL and its own parameters (e.g. family); only dispatchd's are taken out,
    // and a URL without them is passed on exactly as written.
    const rest = params.toString();
    const url = minText === undefined && timeoutText === undefined ? text : rest ? `${base}?${rest}` : base;
    target = { url, minReplicasToAck, ackTimeoutMs };
  } else {
    problems.push(`REDIS_URL: "${redact(text)}" is neither redis://host:port, rediss://host:port nor ${SENTINEL_FORM}`);
    target = { minReplicasToAck, ackTimeoutMs };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return target;
}

/** The string form parseRedisTarget reads back: what crosses process and function boundaries. */
export function formatRedisTarget(t: RedisTarget): string {
  const params = new URLSearchParams();
  if (t.sentinel?.sentinelUsername) params.set('sentinelUsername', t.sentinel.sentinelUsername);
  if (t.sentinel?.sentinelPassword) params.set('sentinelPassword', t.sentinel.sentinelPassword);
  if (t.minReplicasToAck > 0) {
    params.set('minReplicasToAck', String(t.minReplicasToAck));
    params.set('ackTimeout', String(t.ackTimeoutMs));
  }
  const query = params.toString();
  if (!t.sentinel) {
    const url = t.url ?? '';
    return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
  }
  const s = t.sentinel;
  const enc = encodeURIComponent;
  const auth = s.username || s.password ? `${enc(s.username ?? '')}${s.password ? `:${enc(s.password)}` : ''}@` : '';
  const hosts = s.sentinels.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',');
  return `redis+sentinel://${auth}${hosts}/${enc(s.name)}${s.db ? `/${s.db}` : ''}${query ? `?${query}` : ''}`;
}

/**
 * The Redis dispatchd uses, from the config's `redis` block and REDIS_URL: `redis.sentinels`
 * wins over REDIS_URL; otherwise REDIS_URL with the block's replica setting. undefined: neither
 * names a Redis (the embedded one runs), which cannot have replicas to wait for.
 */
export function redisUrlFromConfig(redis: DispatchdConfig['redis'], redisUrl: string | undefined): string | undefined {
  if (!redis) return redisUrl;
  const problems: string[] = [];
  const ackTimeoutMs = toMs(redis.ackTimeout);
  checkAck(redis.minReplicasToAck, ackTimeoutMs, 'redis.', problems);
  if (!redis.sentinels && !redisUrl && redis.minReplicasToAck > 0) {
    problems.push(
      'redis.minReplicasToAck: the embedded redis-server (no REDIS_URL, no redis.sentinels) has no replicas; set REDIS_URL or redis.sentinels, or remove it',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const ack = { minReplicasToAck: redis.minReplicasToAck, ackTimeoutMs };
  if (redis.sentinels) {
    const sentinel: SentinelSettings = { sentinels: redis.sentinels, name: redis.name, db: redis.db };
    for (const k of ['username', 'password', 'sentinelUsername', 'sentinelPassword'] as const) {
      const v = redis[k];
      if (v) sentinel[k] = v;
    }
    return formatRedisTarget({ sentinel, ...ack });
  }
  if (!redisUrl) return undefined;
  return formatRedisTarget({ ...parseRedisTarget(redisUrl), ...ack });
}

/**
 * REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD fill a Sentinel URL's missing passwords, so that
 * they can come from Kubernetes Secrets while the addresses stay in plain values. URLs of the
 * other forms, and anything unreadable (reported later, with the rest), are left as they are.
 */
export function withSentinelPasswords(url: string, env: Env): string {
  if (!/^redis\+sentinel:/i.test(url) || (!env.REDIS_PASSWORD && !env.REDIS_SENTINEL_PASSWORD)) return url;
  let t: RedisTarget;
  try {
    t = parseRedisTarget(url);
  } catch {
    return url;
  }
  const s = t.sentinel!;
  if (!s.password && env.REDIS_PASSWORD) s.password = env.REDIS_PASSWORD;
  if (!s.sentinelPassword && env.REDIS_SENTINEL_PASSWORD) s.sentinelPassword = env.REDIS_SENTINEL_PASSWORD;
  return formatRedisTarget(t);
}

/** ioredis's constructor arguments for the target: a URL, or Sentinel options. */
export function redisClientArgs(t: RedisTarget): { url?: string; options: RedisOptions } {
  if (!t.sentinel) return { url: t.url!, options: {} };
  const s = t.sentinel;
  const options: RedisOptions = {
    sentinels: s.sentinels,
    name: s.name,
    role: 'master',
    db: s.db,
    // No failoverDetector: its +switch-master subscription calls the connector's disconnect()
    // even while a reconnect is resolving the master, which ioredis 5 turns into a terminal
    // 'end' (every ack connection of a receiver stuck after a failover, seen in
    // test/faults/sentinel.test.ts); ioredis left it off by default for its leaks (#1362).
    // Sentinel itself sends CLIENT KILL to an instance it demotes, and READONLY reconnects.
    // After a failover the old master's address refuses connections until the sentinels name
    // the new one: try again every ≤ 500 ms so the new master is in use within half a second.
    retryStrategy: (times: number) => Math.min(times * 50, 500),
  };
  if (s.username) options.username = s.username;
  if (s.password) options.password = s.password;
  if (s.sentinelUsername) options.sentinelUsername = s.sentinelUsername;
  if (s.sentinelPassword) options.sentinelPassword = s.sentinelPassword;
  return { options };
}

/** For messages and logs: no password. */
export function describeRedisTarget(t: RedisTarget): string {
  if (!t.sentinel) return redact(t.url ?? '');
  return `master "${t.sentinel.name}" via sentinels ${t.sentinel.sentinels.map((h) => `${h.host}:${h.port}`).join(', ')}`;
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@').replace(/([?&]sentinelPassword=)[^&]*/, '$1***');
