import { PermanentError } from '../core/errors.js';
import type { RegistryCredentials } from './credentials.js';

/** The registry wants credentials and the config has none for it. */
export function credentialsNeeded(registry: string): PermanentError {
  return new PermanentError(
    'registry_credentials_missing',
    `registry ${registry} requires credentials to read manifests; add username and password to its registries: entry (host ${registry}) in the dispatchd config`,
  );
}

/** Credentials were sent and refused (or do not grant pull on the repository). */
export function credentialsRejected(
  registry: string,
  entry: RegistryCredentials,
  by: string,
  repository?: string,
): PermanentError {
  const what = repository !== undefined ? ` or do not allow pulling ${repository}` : '';
  return new PermanentError(
    'registry_credentials_rejected',
    // No username here: this text can reach a public commit status (doctor shows the entry itself).
    `${by} rejected the configured credentials for registry ${registry}${what}; check username and password of its registries: entry in the dispatchd config`,
  );
}
