import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { createHookHandler } from './hooks.js';

const HOOK_PATH = /^\/hooks\/([a-z0-9][a-z0-9-]*)\/?(?:\?.*)?$/;

/** One listener: `/hooks/<host>` straight to the hook handler, everything else to Express. */
export function createHttpServer(hooks: ReturnType<typeof createHookHandler>, app: Express): Server {
  return createServer((req, res) => {
    const m = HOOK_PATH.exec(req.url ?? '');
    if (m) {
      void hooks(m[1]!, req, res);
      return;
    }
    app(req, res);
  });
}
