import { hostMatches } from './allowlist.js';
import { registryApiHost } from './image-ref.js';

/** One entry of the config's `registries:`; matches RegistryConfig in src/config/schema.ts. */
export interface RegistryCredentials {
  host: string;
  username?: string;
  password?: string;
  /** Plain http instead of https (loopback and lab registries); also allows a loopback address. */
  insecure?: boolean;
  /** Allows private, loopback and link-local addresses. */
  allowPrivate?: boolean;
  /** Token realm hosts allowed besides the registry's own host. */
  tokenHosts?: string[];
}

/**
 * The config entry for a registry, matched by host and port ("docker.io" also matches Hub's API
 * host); an exact entry wins over a pattern such as "*.dkr.ecr.us-east-1.amazonaws.com".
 * No entry means the registry is not to be contacted.
 */
export function findCredentials(
  list: readonly RegistryCredentials[],
  registry: string,
): RegistryCredentials | undefined {
  return (
    list.find((entry) => !entry.host.includes('*') && hostMatches(entry.host, registry)) ??
    list.find((entry) => hostMatches(entry.host, registry))
  );
}

export function hasSecret(
  entry: RegistryCredentials | undefined,
): entry is RegistryCredentials & { username: string; password: string } {
  return entry?.username !== undefined && entry.password !== undefined;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** True for hosts on this machine, where plain http cannot be overheard. */
export function isLoopback(host: string): boolean {
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return name === 'localhost' || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** Base URL of a registry's API: http only when the config says insecure or the host is loopback. */
export function registryBaseUrl(registry: string, entry: RegistryCredentials | undefined): string {
  const host = registryApiHost(registry);
  const scheme = entry?.insecure === true || isLoopback(host) ? 'http' : 'https';
  return `${scheme}://${host}`;
}
