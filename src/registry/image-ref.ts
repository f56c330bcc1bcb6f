import { PermanentError } from '../core/errors.js';

/**
 * A parsed image reference. `registry` is the display name a person writes ("docker.io",
 * "ghcr.io", "127.0.0.1:5000"); `registryApiHost` maps it to the host that serves the API,
 * which differs only for Docker Hub.
 */
export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API]);

// Grammar of github.com/distribution/reference, the one every registry and CLI follows.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

function bad(ref: string, why: string): PermanentError {
  return new PermanentError(
    'image_ref_invalid',
    `image reference "${ref}" is invalid: ${why}; write it as [registry/]repository[:tag][@sha256:<64 hex>], e.g. ghcr.io/acme/app:1.2.3`,
  );
}

/** True when the first path part names a registry rather than a Docker Hub namespace. */
function looksLikeDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

/**
 * Parses "nginx", "acme/app:1.0", "ghcr.io/acme/app@sha256:…", "127.0.0.1:5000/app:dev".
 * Docker Hub names are normalised the way the docker CLI does: "nginx" is registry
 * "docker.io", repository "library/nginx". A missing tag stays undefined (resolvers use
 * "latest"), so formatting gives back what was written.
 */
export function parseImageRef(ref: string): ImageRef {
  const input = ref.trim();
  if (input === '') throw bad(ref, 'it is empty');
  if (/\s/.test(input)) throw bad(ref, 'it contains whitespace');
  if (input.includes('://')) throw bad(ref, 'it has a URL scheme; drop "http://" or "https://"');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(ref, `"${digest}" is not a digest`);
    if (digest.startsWith('sha256:') && !SHA256.test(digest))
      throw bad(ref, `"${digest}" is not 64 lower-case hex digits after sha256:`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw bad(ref, `tag "${tag}" must be 1-128 of letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && looksLikeDomain(parts[0]!)) {
    registry = parts.shift()!;
    if (!DOMAIN.test(registry)) throw bad(ref, `registry "${registry}" is not a host name with an optional port`);
    if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  }
  if (parts.length === 0 || parts.some((p) => p === ''))
    throw bad(ref, 'the repository name is empty or has an empty path part');
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      throw bad(
        ref,
        `repository part "${part}" must be lower-case letters and digits, separated by ".", "_", "__" or "-"`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > MAX_NAME_LENGTH)
    throw bad(ref, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);

  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/**
 * Formats a reference in the familiar short form the docker CLI prints: Docker Hub's
 * "docker.io/" and "library/" are left out ("nginx:1.25") unless the result would read back
 * differently; every other registry is kept.
 */
export function formatImageRef(ref: ImageRef): string {
  let name = ref.repository;
  if (ref.registry === DOCKER_HUB) {
    if (name.startsWith('library/') && name.split('/').length === 2) name = name.slice('library/'.length);
    // "0.0/app" on Docker Hub would read back as registry "0.0": keep the registry then.
    const first = name.split('/')[0]!;
    if (name.includes('/') && looksLikeDomain(first)) name = `${ref.registry}/${name}`;
  } else {
    name = `${ref.registry}/${name}`;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The host that serves the distribution API for a registry display name. */
export function registryApiHost(registry: string): string {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase()) ? DOCKER_HUB_API : registry;
}

/** True for the names config may use for one registry ("docker.io" also matches Hub's API host). */
export function sameRegistry(a: string, b: string): boolean {
  return registryApiHost(a).toLowerCase() === registryApiHost(b).toLowerCase();
}
