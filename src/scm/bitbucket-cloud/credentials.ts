import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';

export interface BitbucketCloudCredentials {
  /** What the `bitbucket` client takes as `auth`. */
  api: { token: string } | { username: string; password: string };
  /** `Authorization` for git over HTTPS. */
  git: string;
}

/**
 * An access token (repository, project or workspace) goes as Bearer to the API and as the
 * password of the fixed user `x-token-auth` to git; an app password goes as Basic to both.
 */
export function bitbucketCloudCredentials(hostName: string, host: HostConfig): BitbucketCloudCredentials {
  const basic = (user: string, secret: string): string =>
    `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
  if (host.token !== undefined) return { api: { token: host.token }, git: basic('x-token-auth', host.token) };
  if (host.username !== undefined && host.password !== undefined) {
    return { api: { username: host.username, password: host.password }, git: basic(host.username, host.password) };
  }
  throw new PermanentError(
    'config_invalid',
    `host "${hostName}" (bitbucket-cloud) has no credentials: set token to an access token, or username and password to an app password with repository write and pull-request write`,
  );
}
