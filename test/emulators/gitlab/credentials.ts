import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization } from '../common/auth.js';
import { ApiFailure } from '../common/emulator-server.js';

export interface Principal {
  username: string;
}

export interface CredentialDeps {
  token: string;
  username: string;
  /** More users, each with their own access token (people who comment, in tests). */
  users?: readonly { username: string; token: string }[];
}

/**
 * GitLab takes a personal/project/group access token as `PRIVATE-TOKEN: X` or as an OAuth-style
 * `Authorization: Bearer X`. Anything else is `401 {"message":"401 Unauthorized"}`.
 */
export function authenticate(deps: CredentialDeps, headers: IncomingHttpHeaders): Principal | ApiFailure {
  const privateToken = headers['private-token'];
  const cred = parseAuthorization(headers.authorization);
  const token = typeof privateToken === 'string' ? privateToken : cred?.scheme === 'bearer' ? cred.token : undefined;
  if (token === deps.token) return { username: deps.username };
  const user = deps.users?.find((u) => u.token === token);
  if (user) return { username: user.username };
  return new ApiFailure({ status: 401, body: { message: '401 Unauthorized' } });
}

/**
 * git over HTTPS: Basic with the token as password. GitLab documents `oauth2` as the user name
 * for OAuth tokens and accepts any user name with an access token.
 */
export function gitAuthorized(deps: CredentialDeps, authorization: string | undefined): boolean {
  const cred = parseAuthorization(authorization);
  return cred?.scheme === 'basic' && cred.password === deps.token;
}
