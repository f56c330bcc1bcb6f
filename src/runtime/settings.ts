import type { Env } from '../config/load.js';

/** Process settings read from the environment in one place (.env.example lists them all). */
export interface Settings {
  port: number;
  host: string;
  redisUrl?: string;
  configPath?: string;
  adminToken?: string;
  dataDir?: string;
  production: boolean;
  logLevel: string;
}

export function readSettings(env: Env): Settings {
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '0.0.0.0',
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.DISPATCHD_CONFIG ? { configPath: env.DISPATCHD_CONFIG } : {}),
    ...(env.DISPATCHD_ADMIN_TOKEN ? { adminToken: env.DISPATCHD_ADMIN_TOKEN } : {}),
    ...(env.DISPATCHD_DATA_DIR ? { dataDir: env.DISPATCHD_DATA_DIR } : {}),
    production: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
