import { setTimeout as delay } from 'node:timers/promises';
import { PermanentError } from '../core/errors.js';
import { addressGuard, defaultLookup, registryNotListed, type Lookup } from './allowlist.js';
import { createAuthorizer } from './authorizer.js';
import { backoffDelay } from './backoff.js';
import { findCredentials, registryBaseUrl, type RegistryCredentials } from './credentials.js';
import { DigestPending, digestWaitSpent, digestWaitsDeferred } from './deferred.js';
import { formatImageRef, parseImageRef } from './image-ref.js';
import { probeManifest, type Probe } from './manifest-probe.js';

export interface WaitInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface DigestResolverOptions {
  /** The only registries contacted (config `registries:`); an image elsewhere is refused at once. */
  registries: RegistryCredentials[];
  /** How long to wait for CI to push a tag (and for a failing registry to recover). */
  waitMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onWait?: (info: WaitInfo) => void;
  /** For jitter; tests may pin it. */
  random?: () => number;
  /** Resolves a host name to every address (default dns.lookup with all: true); tests may pin it. */
  lookup?: Lookup;
}

export interface DigestResolver {
  /**
   * The `sha256:…` digest the registry serves for `ref` now, waiting up to `waitMs` for it to
   * appear; inside `deferDigestWaits` it looks once and throws `DigestPending` instead of waiting.
   */
  resolve(ref: string, signal?: AbortSignal): Promise<string>;
}

/**
 * Resolves image references to manifest digests over the OCI distribution API. The instance
 * keeps bearer tokens until they expire; create one per worker and share it across jobs.
 */
export function createDigestResolver(opts: DigestResolverOptions): DigestResolver {
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  // The default sleep is cancelled with the job, so an aborted wait leaves no timer behind.
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    opts.sleep ? opts.sleep(ms) : delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
  const lookup = opts.lookup ?? defaultLookup;
  const authorizer = createAuthorizer({
    fetch: fetchFn,
    now,
    guard: (registry, entry) => addressGuard(registry, entry, lookup),
  });

  async function resolve(ref: string, signal?: AbortSignal): Promise<string> {
    const image = parseImageRef(ref);
    // A digest pins content: it names exactly one manifest, so there is nothing to look up.
    if (image.digest !== undefined) {
      if (!image.digest.startsWith('sha256:')) {
        throw new PermanentError(
          'image_digest_unsupported',
          `image reference "${ref}" pins a ${image.digest.split(':')[0]} digest; dispatchd works with sha256 digests only`,
        );
      }
      return image.digest;
    }
    const reference = image.tag ?? 'latest';
    const entry = findCredentials(opts.registries, image.registry);
    // Anyone who can push a Dispatchfile names the image: only listed registries are contacted.
    if (entry === undefined) throw registryNotListed(image);
    const guard = addressGuard(image.registry, entry, lookup);
    const url = `${registryBaseUrl(image.registry, entry)}/v2/${image.repository}/manifests/${encodeURIComponent(reference)}`;
    const shown = formatImageRef({ ...image, tag: reference });
    const deadline = now() + opts.waitMs;

    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const probe: Probe = await probeManifest({
        registry: image.registry,
        repository: image.repository,
        url,
        entry,
        authorizer,
        fetch: fetchFn,
        now,
        guard,
        ...(signal && { signal }),
      });
      if (probe.kind === 'found') return probe.digest;
      // The GitOps worker waits as a delayed job, not in a worker slot.
      if (digestWaitsDeferred()) {
        throw new DigestPending(
          shown,
          image.registry,
          probe.kind,
          probe.reason,
          probe.kind === 'unavailable' ? probe.retryAfterMs : undefined,
        );
      }

      const remaining = deadline - now();
      if (remaining <= 0) throw giveUp(probe, shown, image.registry, opts.waitMs);
      const wanted = Math.max(
        backoffDelay(attempt, random),
        probe.kind === 'unavailable' ? (probe.retryAfterMs ?? 0) : 0,
      );
      // The last look lands on the deadline, so a push just before it is still seen.
      const delayMs = Math.min(wanted, remaining);
      opts.onWait?.({ attempt, delayMs, reason: probe.reason });
      await abortable(sleep(delayMs, signal), signal);
    }
  }

  return { resolve };
}

function giveUp(probe: Exclude<Probe, { kind: 'found' }>, shown: string, registry: string, waitMs: number): Error {
  return digestWaitSpent(
    probe.kind,
    shown,
    registry,
    waitMs,
    probe.reason,
    probe.kind === 'unavailable' ? probe.retryAfterMs : undefined,
  );
}

/** Lets a caller-supplied sleep be cut short by the job's abort signal. */
async function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return wait;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
