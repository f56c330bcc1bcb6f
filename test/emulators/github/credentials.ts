import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization } from '../common/auth.js';
import type { ApiFailure } from '../common/emulator-server.js';
import { githubError } from './shapes.js';
import type { GithubStore } from './store.js';

export interface GithubApp {
  id: string;
  publicKeyPem: string;
  installationId: number;
  /** Lifetime of issued installation tokens; GitHub's is one hour. */
  tokenTtlSec?: number;
  /** The app's slug; its bot user is `<slug>[bot]`. */
  slug?: string;
}

export interface Principal {
  kind: 'token' | 'installation' | 'app';
  login: string;
}

export interface CredentialDeps {
  token: string;
  login: string;
  app?: GithubApp;
  appKey?: KeyObject;
  store: GithubStore;
  now: () => number;
}

export function appPublicKey(app: GithubApp | undefined): KeyObject | undefined {
  return app === undefined ? undefined : createPublicKey(app.publicKeyPem);
}

/**
 * Routes tagged `auth: 'app'` want the App's RS256 JWT (`Authorization: Bearer <jwt>`); every
 * other route wants the configured token or an unexpired installation token, as `token X` or
 * `Bearer X`. Anything else is GitHub's 401 "Bad credentials".
 */
export function authenticate(
  deps: CredentialDeps,
  headers: IncomingHttpHeaders,
  routeAuth: string | undefined,
): Principal | ApiFailure {
  const cred = parseAuthorization(headers.authorization);
  if (routeAuth === 'app') {
    if (cred === undefined || cred.scheme !== 'bearer')
      return githubError(401, 'A JSON web token could not be decoded');
    const problem = verifyAppJwt(deps, cred.token);
    return problem === null ? { kind: 'app', login: appLogin(deps.app) } : githubError(401, problem);
  }
  if (cred === undefined) return githubError(401, 'Requires authentication');
  if (cred.scheme === 'basic') return githubError(401, 'Bad credentials');
  const who = tokenOwner(deps, cred.token);
  return who ?? githubError(401, 'Bad credentials');
}

/** git over HTTPS: any user name, the token as password (GitHub documents `x-access-token`). */
export function gitAuthorized(deps: CredentialDeps, authorization: string | undefined): boolean {
  const cred = parseAuthorization(authorization);
  if (cred === undefined) return false;
  const secret = cred.scheme === 'basic' ? cred.password : cred.token;
  return tokenOwner(deps, secret) !== null;
}

function tokenOwner(deps: CredentialDeps, token: string): Principal | null {
  if (token === deps.token) return { kind: 'token', login: deps.login };
  const expires = deps.store.installationTokens.get(token);
  if (expires !== undefined && expires > deps.now()) return { kind: 'installation', login: appLogin(deps.app) };
  return null;
}

export function appLogin(app: GithubApp | undefined): string {
  return `${app?.slug ?? 'dispatchd-test-app'}[bot]`;
}

/** null when valid, else GitHub's complaint. GitHub allows `exp` at most 10 minutes ahead. */
export function verifyAppJwt(deps: CredentialDeps, jwt: string): string | null {
  if (deps.app === undefined || deps.appKey === undefined)
    return 'A JSON web token could not be decoded (this emulator has no GitHub App configured)';
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'A JSON web token could not be decoded';
  const [h = '', p = '', s = ''] = parts;
  let header: { alg?: unknown };
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (header.alg !== 'RS256') return 'A JSON web token could not be decoded (alg must be RS256)';
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), deps.appKey, Buffer.from(s, 'base64url'))) {
    return "A JSON web token could not be decoded (signature does not match the app's public key)";
  }
  const now = Math.floor(deps.now() / 1000);
  if (String(claims.iss) !== deps.app.id) return "'Issuer' claim ('iss') must be an Integer (the App ID)";
  if (typeof claims.exp !== 'number' || claims.exp <= now) {
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  }
  if (claims.exp > now + 600 + 30) return "'Expiration time' claim ('exp') is too far in the future";
  if (typeof claims.iat !== 'number' || claims.iat > now + 60)
    return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  return null;
}
