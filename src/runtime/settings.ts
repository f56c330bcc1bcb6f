import type { Env } from '../config/load.js';
import { toMs } from '../config/duration.js';
import type { DispatchdConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { withSentinelPasswords } from '../redis/target.js';

/** Process settings read from the environment in one place (.env.example lists them all). */
export interface Settings {
  port: number;
  host: string;
  redisUrl?: string;
  configPath?: string;
  adminToken?: string;
  dataDir?: string;
  /** DISPATCHD_SHUTDOWN_TIMEOUT as written (`20s`, or milliseconds); wins over the config's `shutdownTimeout`. */
  shutdownTimeout?: string;
  production: boolean;
  logLevel: string;
}

export function readSettings(env: Env): Settings {
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '0.0.0.0',
    // A redis+sentinel:// URL takes its passwords from REDIS_PASSWORD / REDIS_SENTINEL_PASSWORD when it has none.
    ...(env.REDIS_URL ? { redisUrl: withSentinelPasswords(env.REDIS_URL, env) } : {}),
    ...(env.DISPATCHD_CONFIG ? { configPath: env.DISPATCHD_CONFIG } : {}),
    ...(env.DISPATCHD_ADMIN_TOKEN ? { adminToken: env.DISPATCHD_ADMIN_TOKEN } : {}),
    ...(env.DISPATCHD_DATA_DIR ? { dataDir: env.DISPATCHD_DATA_DIR } : {}),
    ...(env.DISPATCHD_SHUTDOWN_TIMEOUT ? { shutdownTimeout: env.DISPATCHD_SHUTDOWN_TIMEOUT } : {}),
    production: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

/** Milliseconds SIGTERM waits for in-flight work: DISPATCHD_SHUTDOWN_TIMEOUT (`20s`, `500ms`, or ms) wins over the config's `shutdownTimeout`. */
export function shutdownTimeoutOf(settings: Settings, config: Pick<DispatchdConfig, 'shutdownTimeout'>): number {
  if (settings.shutdownTimeout === undefined) return toMs(config.shutdownTimeout);
  const v = settings.shutdownTimeout.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (/^\d+(ms|s|m|h|d)$/.test(v)) return toMs(v);
  throw new ConfigError([
    `DISPATCHD_SHUTDOWN_TIMEOUT: "${settings.shutdownTimeout}" is not a duration (a number of ms or e.g. "20s")`,
  ]);
}
