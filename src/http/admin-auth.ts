import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export interface AdminAuthOptions {
  /** DISPATCHD_ADMIN_TOKEN; unset = admin routes are off (403). */
  token?: string;
  /** Offline demo only: with no token, requests from 127.0.0.1/::1 pass. */
  openOnLoopback?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

// Hashing first makes the comparison constant-time whatever the lengths (timingSafeEqual
// needs equal lengths, and an early length check would leak the token's length).
const digest = (s: string) => createHash('sha256').update(s).digest();
const sameToken = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * Guards every admin route (API, dashboard data, /metrics unless made public): the request must
 * carry `Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>`.
 */
export function requireAdmin(opts: AdminAuthOptions): RequestHandler {
  return (req, res, next) => {
    if (!opts.token) {
      if (opts.openOnLoopback && LOOPBACK.has(req.socket.remoteAddress ?? '')) return next();
      res.status(403).json({ error: 'admin_disabled', message: 'admin routes are off: set DISPATCHD_ADMIN_TOKEN to a long random value (e.g. `openssl rand -hex 32`) and send it as "Authorization: Bearer <token>"' });
      return;
    }
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.get('authorization') ?? '');
    if (m && sameToken(m[1]!, opts.token)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="dispatchd"');
    res.status(401).json({
      error: m ? 'bad_token' : 'missing_token',
      message: m ? 'the bearer token is not DISPATCHD_ADMIN_TOKEN: send the token this dispatchd was started with'
        : 'send "Authorization: Bearer <DISPATCHD_ADMIN_TOKEN>" (the admin token this dispatchd was started with)',
    });
  };
}
