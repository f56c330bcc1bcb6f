import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * `POST /api/replay/:host` (behind the admin token): an operator's deliberate resend of a stored
 * webhook (`dispatchd replay`). It carries the SCM's headers and signed raw body, and goes through
 * the same hook handler as `/hooks/<host>`: the signature is verified and a delivery id seen
 * before is still a duplicate; only the check that drops a body seen before under another
 * delivery id (`replayWindow`) is skipped, since resending that body is the point.
 */
export function replayRoute(
  handle: (host: string, req: IncomingMessage, res: ServerResponse) => Promise<void>,
): RequestHandler<{ host: string }> {
  return (req, res) => handle(req.params.host, req, res);
}
