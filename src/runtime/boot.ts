import { resolve } from 'node:path';
import { loadConfigFile, type Env } from '../config/load.js';
import type { DispatchdConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../redis/embedded.js';
import { parseRedisTarget, redisUrlFromConfig } from '../redis/target.js';
import type { Settings } from './settings.js';

/** The configuration in force: the file at DISPATCHD_CONFIG, or none (the offline demo). */
export async function loadConfig(settings: Settings, env: Env): Promise<DispatchdConfig | null> {
  if (settings.configPath) {
    const config = await loadConfigFile(settings.configPath, env);
    return settings.dataDir ? { ...config, dataDir: resolve(settings.dataDir) } : config;
  }
  if (settings.production) {
    throw new ConfigError([
      'DISPATCHD_CONFIG is not set: with NODE_ENV=production a configuration file is required (the offline demo runs only outside production)',
    ]);
  }
  return null;
}

export function dataDirOf(settings: Settings, config: DispatchdConfig | null): string {
  return resolve(settings.dataDir ?? config?.dataDir ?? '.dispatchd');
}

/**
 * The config's `redis.sentinels` when given, else REDIS_URL (either with the config's replica
 * setting), checked at once; otherwise an embedded `redis-server` child process under the data dir.
 */
export async function redisFor(
  settings: Settings,
  dataDir: string,
  config?: DispatchdConfig | null,
): Promise<{ url: string; embedded?: EmbeddedRedis }> {
  const url = redisUrlFromConfig(config?.redis, settings.redisUrl);
  if (url) {
    parseRedisTarget(url);
    return { url };
  }
  const embedded = await startEmbeddedRedis(resolve(dataDir, 'redis'));
  return { url: embedded.url, embedded };
}
