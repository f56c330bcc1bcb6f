import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIPv6 } from 'node:net';
import { PermanentError } from '../core/errors.js';
import { formatImageRef, registryApiHost, type ImageRef } from './image-ref.js';
import type { RegistryCredentials } from './credentials.js';

/**
 * What a pushed Dispatchfile may make dispatchd contact: only registries listed under
 * `registries:`, only on public addresses unless the entry opts in, and only the token services
 * the registry's own host or its entry's `tokenHosts` name (docs/registry.md).
 */

/** Config authors often paste "https://host"; the host is what identifies the registry. */
export function stripScheme(host: string): string {
  return host.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when `host` (a registry display name or a realm's host[:port]) is `pattern`: equal by
 * host and port ("docker.io" also matching Hub's API host), or, for a pattern such as
 * "*.dkr.ecr.us-east-1.amazonaws.com", with each "*" standing for exactly one DNS label.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = registryApiHost(stripScheme(pattern)).toLowerCase();
  const h = registryApiHost(host).toLowerCase();
  if (!p.includes('*')) return p === h;
  return new RegExp(`^${p.split('*').map(escapeRe).join('[a-z0-9-]+')}$`).test(h);
}

/** An image whose registry has no `registries:` entry: refused before any request. */
export function registryNotListed(image: ImageRef): PermanentError {
  return new PermanentError(
    'registry_not_allowed',
    `image ${formatImageRef(image)} is on registry ${image.registry}, which is not listed under registries: in the dispatchd config; ` +
      `dispatchd contacts only listed registries. If this registry is trusted, add the line "- host: ${image.registry}" under registries:`,
  );
}

/**
 * A Bearer challenge's realm must be on the registry's own host or on a host its entry lists in
 * `tokenHosts`: otherwise a registry could make dispatchd fetch any URL and send it credentials.
 */
export function checkRealm(registry: string, entry: RegistryCredentials | undefined, realm: URL): void {
  const own = registryApiHost(registry);
  if (sameHost(realm, own) || (entry?.tokenHosts ?? []).some((t) => sameHost(realm, stripScheme(t)))) return;
  // No host names here: the realm is the registry's word and tokenHosts the config's, and this text
  // can reach a public commit status. The realm is in the registry's answer to GET /v2/.
  throw new PermanentError(
    'registry_realm_not_allowed',
    `registry ${registry} sends clients to a token service on another host, which is neither its own host nor listed in tokenHosts of its registries: entry; dispatchd ` +
      `sent nothing there. If that is this registry's real token service (the realm in its WWW-Authenticate answer to GET /v2/), add that host to tokenHosts on the entry`,
  );
}

/** Host and port of a URL against a host[:port] or pattern, default ports filled in on both sides. */
function sameHost(url: URL, pattern: string): boolean {
  if (/:\d+$/.test(pattern))
    return hostMatches(pattern, `${url.hostname}:${url.port || (url.protocol === 'http:' ? '80' : '443')}`);
  // A pattern without a port means the scheme's default port (URL leaves a default port out).
  return url.port === '' && hostMatches(pattern, url.hostname);
}

export type AddressKind = 'loopback' | 'private' | 'link-local' | 'unspecified';

const ranges: Array<[AddressKind, BlockList]> = (() => {
  const list = (v4: Array<[string, number]>, v6: Array<[string, number]>): BlockList => {
    const b = new BlockList();
    for (const [net, prefix] of v4) b.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of v6) b.addSubnet(net, prefix, 'ipv6');
    return b;
  };
  return [
    ['loopback', list([['127.0.0.0', 8]], [['::1', 128]])],
    [
      'private',
      list(
        [
          ['10.0.0.0', 8],
          ['172.16.0.0', 12],
          ['192.168.0.0', 16],
        ],
        [['fc00::', 7]],
      ),
    ],
    ['link-local', list([['169.254.0.0', 16]], [['fe80::', 10]])],
    ['unspecified', list([['0.0.0.0', 8]], [['::', 128]])],
  ];
})();

/** The kind of a non-public address, or undefined for a public one. IPv4-mapped IPv6 counts as its IPv4 address. */
export function classifyAddress(address: string): AddressKind | undefined {
  let addr = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(addr);
  if (mapped) {
    addr =
      mapped[1] ??
      [
        parseInt(mapped[2]!, 16) >> 8,
        parseInt(mapped[2]!, 16) & 255,
        parseInt(mapped[3]!, 16) >> 8,
        parseInt(mapped[3]!, 16) & 255,
      ].join('.');
  }
  const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
  for (const [kind, list] of ranges) if (list.check(addr, family)) return kind;
  return undefined;
}

/** Whether the registry's entry allows a non-public address: allowPrivate allows all; insecure allows loopback. */
export function addressAllowed(kind: AddressKind, entry: RegistryCredentials): boolean {
  if (entry.allowPrivate === true) return true;
  return kind === 'loopback' && entry.insecure === true;
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const defaultLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Checks a URL dispatchd is about to contact for a registry: throws when any address it resolves to is refused. */
export type AddressGuard = (url: URL) => Promise<void>;

export function addressGuard(
  registry: string,
  entry: RegistryCredentials,
  lookup: Lookup = defaultLookup,
): AddressGuard {
  return async (url) => {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // Every address: a name answering both a public and a private address could connect to either.
    const addresses = await lookup(hostname);
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind === undefined || addressAllowed(kind, entry)) continue;
      // Neither the address nor a redirect target's host nor the entry's host: this text can reach
      // a public commit status. The image's registry is the pusher's own text.
      const via =
        url.host === registryApiHost(registry)
          ? `registry ${registry}`
          : `a host that registry ${registry} redirected to`;
      const optIn =
        kind === 'loopback' ? 'allowPrivate: true (or insecure: true, which allows loopback)' : 'allowPrivate: true';
      throw new PermanentError(
        'registry_address_refused',
        `${via} resolves to a ${kind} address; dispatchd does not contact private, loopback or link-local addresses ` +
          `unless the registries: entry says so. If this is intended, set ${optIn} on this registry's registries: entry`,
      );
    }
  };
}
