import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

export interface AdminAuthOptions {
  /** DISPATCHD_ADMIN_TOKEN; unset = admin routes are off (403). */
  token?: string;
  /**
   * Offline demo only: with no token, requests from 127.0.0.1/::1 pass, provided they name a
   * loopback `Host` (DNS rebinding sends the attacker's name) and, for writes, come from the
   * same origin.
   */
  openOnLoopback?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Hashing first makes the comparison constant-time whatever the lengths (timingSafeEqual
// needs equal lengths, and an early length check would leak the token's length).
const digest = (s: string) => createHash('sha256').update(s).digest();
const sameToken = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * `Host` names this loopback listener: localhost, 127.0.0.1 or [::1], with no port or the port
 * the request came in on. A page on a rebound DNS name reaches 127.0.0.1 under its own name.
 */
export function isLoopbackHost(req: Pick<Request, 'headers' | 'socket'>): boolean {
  const m = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec((req.headers.host ?? '').trim().toLowerCase());
  if (!m || !LOOPBACK_NAMES.has(m[1]!)) return false;
  return m[2] === undefined || Number(m[2]) === req.socket.localPort;
}

/**
 * Why a browser request is cross-site, or undefined when it is not: `Sec-Fetch-Site` other than
 * same-origin/none, or an `Origin` whose host is not the request's own `Host` (or the proxy's
 * `X-Forwarded-Host`). Requests without either header (curl, the CLI) are not browsers'.
 */
export function crossSiteReason(req: Pick<Request, 'headers'>): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `Sec-Fetch-Site: ${String(site).slice(0, 20)}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return 'an opaque Origin';
  }
  const own = [req.headers.host, req.headers['x-forwarded-host']]
    .flat()
    .filter((h): h is string => Boolean(h))
    .map((h) => h.split(',')[0]!.trim().toLowerCase());
  return own.includes(originHost) ? undefined : 'an Origin other than this server';
}

/**
 * Guards every admin route (API, dashboard data, /metrics unless made public): the request must
 * carry `Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>`. Writes (POST/PUT/DELETE/PATCH) from
 * another site are refused whatever the credentials: a page elsewhere must not pause, resume or
 * retry through a browser that can reach dispatchd.
 */
export function requireAdmin(opts: AdminAuthOptions): RequestHandler {
  return (req, res, next) => {
    if (!SAFE_METHODS.has(req.method)) {
      const cross = crossSiteReason(req);
      if (cross) {
        res.status(403).json({
          error: 'cross_site',
          message: `admin writes are refused from another site (${cross}): use the dashboard served by this dispatchd, or a client that sends no Origin`,
        });
        return;
      }
    }
    if (!opts.token) {
      if (opts.openOnLoopback && LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        if (isLoopbackHost(req)) return next();
        res.status(403).json({
          error: 'foreign_host',
          message:
            'the open demo admin answers only requests for localhost, 127.0.0.1 or [::1] (Host header): open the dashboard at http://localhost:<port>/',
        });
        return;
      }
      res.status(403).json({
        error: 'admin_disabled',
        message:
          'admin routes are off: set DISPATCHD_ADMIN_TOKEN to a long random value (e.g. `openssl rand -hex 32`) and send it as "Authorization: Bearer <token>"',
      });
      return;
    }
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.get('authorization') ?? '');
    if (m && sameToken(m[1]!, opts.token)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="dispatchd"');
    res.status(401).json({
      error: m ? 'bad_token' : 'missing_token',
      message: m
        ? 'the bearer token is not DISPATCHD_ADMIN_TOKEN: send the token this dispatchd was started with'
        : 'send "Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>" (the admin token this dispatchd was started with)',
    });
  };
}
