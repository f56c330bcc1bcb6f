import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization } from '../common/auth.js';
import type { ApiFailure } from '../common/emulator-server.js';
import { bitbucketError } from './shapes.js';

export interface CloudCredentials {
  /** Repository/workspace access token: API `Bearer X`, git Basic `x-token-auth:X`. */
  token: string;
  /** App password: API and git Basic `username:appPassword`. */
  username?: string;
  appPassword?: string;
  /** Display name PRs and comments show as author. */
  displayName: string;
}

export interface Principal {
  kind: 'token' | 'app-password';
  displayName: string;
}

/** Bearer access token or Basic app password; anything else is Bitbucket's 401. */
export function authenticate(creds: CloudCredentials, headers: IncomingHttpHeaders): Principal | ApiFailure {
  const cred = parseAuthorization(headers.authorization);
  if (cred === undefined)
    return bitbucketError(
      401,
      'This API is only accessible with the following authentication types: apppassword, repository access token, session',
    );
  if (cred.scheme === 'bearer' && cred.token === creds.token) return { kind: 'token', displayName: creds.displayName };
  if (
    cred.scheme === 'basic' &&
    creds.username !== undefined &&
    cred.username === creds.username &&
    cred.password === creds.appPassword
  ) {
    return { kind: 'app-password', displayName: creds.displayName };
  }
  return bitbucketError(401, 'Token is invalid, expired, or not supported for this endpoint.');
}

/** git over HTTPS: `x-token-auth` with the access token, or the user with the app password. */
export function gitAuthorized(creds: CloudCredentials, authorization: string | undefined): boolean {
  const cred = parseAuthorization(authorization);
  if (cred === undefined || cred.scheme !== 'basic') return false;
  if (cred.username === 'x-token-auth') return cred.password === creds.token;
  return creds.username !== undefined && cred.username === creds.username && cred.password === creds.appPassword;
}
