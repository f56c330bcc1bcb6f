import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization } from '../common/auth.js';
import type { ApiFailure } from '../common/emulator-server.js';
import { serverError } from './shapes.js';

export interface ServerCredentials {
  /** HTTP access token, sent as `Bearer X` to the API and to git. */
  token: string;
  /** A user's name and password, sent as Basic. */
  username?: string;
  password?: string;
  /** The user the token acts as. */
  user: string;
}

export interface Principal {
  name: string;
}

function check(creds: ServerCredentials, authorization: string | undefined): Principal | null {
  const cred = parseAuthorization(authorization);
  if (cred === undefined) return null;
  if (cred.scheme === 'bearer' && cred.token === creds.token) return { name: creds.user };
  if (
    cred.scheme === 'basic' &&
    creds.username !== undefined &&
    cred.username === creds.username &&
    cred.password === creds.password
  )
    return { name: creds.username };
  return null;
}

export function authenticate(creds: ServerCredentials, headers: IncomingHttpHeaders): Principal | ApiFailure {
  const who = check(creds, headers.authorization);
  if (who !== null) return who;
  return headers.authorization === undefined
    ? serverError(
        401,
        'You are not permitted to access this resource',
        'com.atlassian.bitbucket.AuthorisationException',
      )
    : serverError(
        401,
        'Authentication failed. Please check your credentials and try again.',
        'com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException',
      );
}

export const gitAuthorized = (creds: ServerCredentials, authorization: string | undefined): boolean =>
  check(creds, authorization) !== null;
