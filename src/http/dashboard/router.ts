import { Router, type Response } from 'express';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './page.js';
import { DASHBOARD_JS } from './script.js';
import { ENVIRONMENTS_JS } from './environments-script.js';

// Only our own script and styles may run or load, and the page cannot be framed: even if data
// from the API carried markup, the browser would not execute it.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const send = (res: Response, type: string, body: string) => {
  res
    .set({
      'content-type': type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
    .send(body);
};

/** `/` and its two assets: a static shell, no build step (see page.ts for why it is open). */
export function dashboardRouter(): Router {
  const r = Router();
  r.get('/', (_req, res) => send(res, 'text/html; charset=utf-8', DASHBOARD_HTML));
  r.get('/dashboard.js', (_req, res) => send(res, 'text/javascript; charset=utf-8', DASHBOARD_JS + ENVIRONMENTS_JS));
  r.get('/dashboard.css', (_req, res) => send(res, 'text/css; charset=utf-8', DASHBOARD_CSS));
  return r;
}
