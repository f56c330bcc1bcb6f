import { loadConfigFile } from '../../config/load.js';
import type { DispatchdConfig, HostConfig } from '../../config/schema.js';
import { UsageError, type CliIo } from './io.js';

/** The configuration at DISPATCHD_CONFIG; the operator commands need the real one, never the demo's. */
export async function requireConfig(io: CliIo): Promise<DispatchdConfig> {
  const path = io.env.DISPATCHD_CONFIG;
  if (!path)
    throw new UsageError(
      'DISPATCHD_CONFIG is not set: point it at the config file dispatchd runs with (hosts, secrets and credentials come from there)',
    );
  return loadConfigFile(path, io.env);
}

export function requireHost(config: DispatchdConfig, name: string): HostConfig {
  const host = config.hosts[name];
  if (!host)
    throw new UsageError(
      `--host ${name}: no such host in the config; configured hosts: ${Object.keys(config.hosts).join(', ') || 'none'}`,
    );
  return host;
}
