import { DispatchError } from '../../core/errors.js';
import type { RegistryConfig } from '../../config/schema.js';
import { parseChallenges } from '../../registry/challenge.js';
import { basicAuthorization, hasSecret, registryBaseUrl } from '../../registry/credentials.js';
import { fetchToken } from '../../registry/token.js';
import { fail, ok, type Check } from './check.js';
import { networkReason } from './io.js';

const fixCreds = (host: string) => `check username and password of the registries: entry for ${host}`;

/**
 * `GET /v2/` with the registry's credentials, through the same challenge and token flow the
 * digest resolver uses: 200 means the credentials are good for this registry. (Pull rights on a
 * repository are per image; those show when a digest is first resolved.)
 */
export async function checkRegistry(entry: RegistryConfig, timeoutMs: number): Promise<Check> {
  const name = `registry ${entry.host}`;
  const base = `${registryBaseUrl(entry.host.replace(/^[a-z]+:\/\//i, ''), entry)}/v2/`;
  const get = (authorization?: string) =>
    fetch(base, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(timeoutMs) });
  try {
    const first = await get();
    await first.body?.cancel();
    if (first.ok) return ok(`${name}: answers ${base}${hasSecret(entry) ? ' (no credentials needed)' : ''}`);
    if (first.status !== 401)
      return fail(
        `${name}: ${base} answered ${first.status}`,
        'check the host (and port) of this registries: entry; it must be an OCI distribution registry',
      );
    const challenges = parseChallenges(first.headers.get('www-authenticate'));
    if (!hasSecret(entry))
      return fail(
        `${name}: requires credentials`,
        `add username and password to the registries: entry for ${entry.host}`,
      );
    let authorization: string;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      // No scope: a token for the base endpoint proves the credentials without naming an image.
      const token = await fetchToken({
        registry: entry.host,
        repository: '',
        challenge: { ...bearer, params: { ...bearer.params, scope: '' } },
        entry,
        fetch,
        now: Date.now,
        signal: AbortSignal.timeout(timeoutMs),
      });
      authorization = token.authorization;
    } else if (challenges.some((c) => c.scheme === 'basic')) {
      authorization = basicAuthorization(entry.username, entry.password);
    } else {
      return fail(
        `${name}: asks for ${challenges.map((c) => c.scheme).join(', ') || 'an unnamed'} authentication`,
        'dispatchd speaks Bearer tokens and Basic auth only',
      );
    }
    const second = await get(authorization);
    await second.body?.cancel();
    if (second.ok) return ok(`${name}: credentials of "${entry.username}" accepted`);
    return fail(`${name}: credentials of "${entry.username}" refused (${second.status})`, fixCreds(entry.host));
  } catch (err) {
    // dispatchd's registry errors already say what to change.
    if (err instanceof DispatchError) return fail(`${name}: ${err.message}`, '');
    return fail(
      `${name}: cannot reach ${base} (${networkReason(err)})`,
      'check the host, that the registry runs, and insecure: true only for plain-http lab registries',
    );
  }
}
