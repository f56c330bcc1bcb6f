import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';

/**
 * One `Authorization` for both the REST API and git: an HTTP access token (personal, project or
 * repository) as Bearer, else the user name and password as Basic.
 */
export function bitbucketServerAuthorization(hostName: string, host: HostConfig): string {
  if (host.token !== undefined) return `Bearer ${host.token}`;
  if (host.username !== undefined && host.password !== undefined)
    return `Basic ${Buffer.from(`${host.username}:${host.password}`).toString('base64')}`;
  throw new PermanentError(
    'config_invalid',
    `host "${hostName}" (bitbucket-server) has no credentials: set token to an HTTP access token with repository write, or username and password`,
  );
}
