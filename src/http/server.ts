import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { toMs } from '../config/duration.js';
import type { createHookHandler } from './hooks.js';

const HOOK_PATH = /^\/hooks\/([a-z0-9][a-z0-9-]*)\/?(?:\?.*)?$/;

/** The HTTP edge's limits (config `http`, docs/reliability.md#the-http-edge), in ms and connections. */
export interface EdgeLimits {
  /** How long a client may take to send the request line and headers: 408 and close past it. */
  headersTimeout?: number;
  /** How long a client may take to send the whole request, body included. */
  requestTimeout?: number;
  /** Concurrent connections accepted; beyond it new sockets are closed at once. */
  maxConnections?: number;
}

export const EDGE_DEFAULTS = { headersTimeout: 5_000, requestTimeout: 10_000, maxConnections: 512 } as const;

/** The config's `http` block (durations as written there) as the limits createHttpServer takes. */
export function edgeLimitsOf(
  edge: { headersTimeout?: string | number; requestTimeout?: string | number; maxConnections?: number } | undefined,
): EdgeLimits {
  return {
    ...(edge?.headersTimeout !== undefined ? { headersTimeout: toMs(edge.headersTimeout) } : {}),
    ...(edge?.requestTimeout !== undefined ? { requestTimeout: toMs(edge.requestTimeout) } : {}),
    ...(edge?.maxConnections !== undefined ? { maxConnections: edge.maxConnections } : {}),
  };
}

/**
 * One listener: `/hooks/<host>` straight to the hook handler, everything else to Express. Node's
 * defaults (300 s per request, no connection cap, slow clients checked every 30 s) let a few
 * idle clients hold the process; these limits cut them off within seconds.
 */
export function createHttpServer(
  hooks: ReturnType<typeof createHookHandler>,
  app: Express,
  limits: EdgeLimits = {},
): Server {
  const headersTimeout = limits.headersTimeout ?? EDGE_DEFAULTS.headersTimeout;
  // Node refuses a headersTimeout above requestTimeout; the whole request includes its headers.
  const requestTimeout = Math.max(limits.requestTimeout ?? EDGE_DEFAULTS.requestTimeout, headersTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node checks the two timeouts on this interval (30 s by default): a fraction of the
      // shorter one, so a slow client is cut off close to its deadline.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 5))),
    },
    (req, res) => {
      const m = HOOK_PATH.exec(req.url ?? '');
      if (m) {
        void hooks(m[1]!, req, res);
        return;
      }
      app(req, res);
    },
  );
  server.maxConnections = limits.maxConnections ?? EDGE_DEFAULTS.maxConnections;
  return server;
}
