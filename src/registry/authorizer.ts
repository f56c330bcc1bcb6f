import { PermanentError } from '../core/errors.js';
import { checkRealm } from './allowlist.js';
import type { Challenge } from './challenge.js';
import { basicAuthorization, hasSecret, type RegistryCredentials } from './credentials.js';
import { credentialsNeeded } from './auth-messages.js';
import { fetchToken, type IssuedToken } from './token.js';

export interface AuthorizerDeps {
  fetch: typeof fetch;
  now: () => number;
  /** The address check for requests made for a registry (the token service's too). */
  guard?: (registry: string, entry: RegistryCredentials) => (url: URL) => Promise<void>;
}

export interface Authorizer {
  /** The Authorization header that last worked for this repository, while still valid. */
  cached(registry: string, repository: string): string | undefined;
  /** Drops `authorization` after the registry refused it. */
  forget(registry: string, repository: string, authorization: string): void;
  /** Answers a 401's challenges with a header to retry with; throws PermanentError when it cannot. */
  answer(
    registry: string,
    repository: string,
    challenges: Challenge[],
    entry: RegistryCredentials | undefined,
    signal?: AbortSignal,
  ): Promise<string>;
}

/**
 * Holds the tokens of one resolver instance, keyed by registry and repository (a pull token's
 * scope is one repository), so a burst of pushes costs one token request, not one each.
 */
export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  const cache = new Map<string, IssuedToken>();
  const inFlight = new Map<string, Promise<IssuedToken>>();
  const key = (registry: string, repository: string) => `${registry.toLowerCase()}/${repository}`;

  return {
    cached(registry, repository) {
      const hit = cache.get(key(registry, repository));
      if (hit === undefined) return undefined;
      if (hit.expiresAt > deps.now()) return hit.authorization;
      cache.delete(key(registry, repository));
      return undefined;
    },
    forget(registry, repository, authorization) {
      // Another job may already have replaced the refused header with a fresh one.
      if (cache.get(key(registry, repository))?.authorization === authorization)
        cache.delete(key(registry, repository));
    },
    async answer(registry, repository, challenges, entry, signal) {
      const bearer = challenges.find((c) => c.scheme === 'bearer');
      if (bearer !== undefined) {
        // Jobs resolving the same repository at once share one token request.
        const k = key(registry, repository);
        let pending = inFlight.get(k);
        if (pending === undefined) {
          // A realm elsewhere would let the registry make dispatchd fetch any URL with its credentials.
          const realm = realmUrl(bearer.params.realm);
          if (realm !== undefined) checkRealm(registry, entry, realm);
          const guard = entry !== undefined ? deps.guard?.(registry, entry) : undefined;
          pending = fetchToken({
            registry,
            repository,
            challenge: bearer,
            entry,
            fetch: deps.fetch,
            now: deps.now,
            ...(guard && { guard }),
            ...(signal && { signal }),
          });
          inFlight.set(k, pending);
          pending
            .then(
              (token) => cache.set(k, token),
              () => undefined,
            )
            .finally(() => inFlight.delete(k));
        }
        return (await pending).authorization;
      }
      if (challenges.some((c) => c.scheme === 'basic')) {
        if (!hasSecret(entry)) throw credentialsNeeded(registry);
        const authorization = basicAuthorization(entry.username, entry.password);
        cache.set(key(registry, repository), { authorization, expiresAt: Number.POSITIVE_INFINITY });
        return authorization;
      }
      // Scheme names only, few and short: the registry's text, and this message can reach a public status.
      const offered =
        challenges
          .map((c) => c.scheme)
          .filter((s) => /^[a-z0-9-]{1,20}$/i.test(s))
          .slice(0, 5)
          .join(', ') || 'none';
      throw new PermanentError(
        'registry_auth_unsupported',
        `registry ${registry} asked for an authentication scheme dispatchd does not speak (offered: ${offered}); only Bearer tokens and Basic auth are supported`,
      );
    },
  };
}

/** The realm as a URL, or undefined when it is not one (fetchToken says what is wrong then). */
function realmUrl(realm: string | undefined): URL | undefined {
  if (realm === undefined || !/^https?:\/\//i.test(realm)) return undefined;
  try {
    return new URL(realm);
  } catch {
    return undefined;
  }
}
