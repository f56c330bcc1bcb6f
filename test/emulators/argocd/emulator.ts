import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';

/** What an Application's status says, in the fields Argo CD's API returns. */
export interface AppState {
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  revision: string;
  health: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';
  message?: string;
}

export interface ArgocdEmulator {
  url: string;
  setApp(name: string, state: AppState): void;
  /** How many application reads were answered. */
  reads(): number;
  close(): Promise<void>;
}

/**
 * The part of Argo CD's API that the promotion gate reads, `GET /api/v1/applications/{name}`
 * behind a bearer token, answering as Argo CD does: 401 without a valid token, 404
 * (`{"error": ..., "code": 5}`) for an unknown application, else the Application with
 * `status.sync.{status,revision}` and `status.health.{status,message}`.
 */
export async function startArgocdEmulator(token: string): Promise<ArgocdEmulator> {
  const apps = new Map<string, AppState>();
  let reads = 0;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/api\/v1\/applications\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) return send(404, { error: 'Not Found', code: 5, message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(401, { error: 'invalid session: token is malformed', code: 16, message: 'invalid session' });
    reads++;
    const name = decodeURIComponent(m[1]!);
    const app = apps.get(name);
    if (!app)
      return send(404, {
        error: `applications.argoproj.io "${name}" not found`,
        code: 5,
        message: `applications.argoproj.io "${name}" not found`,
      });
    send(200, {
      metadata: { name, namespace: 'argocd' },
      status: {
        sync: { status: app.sync, revision: app.revision },
        health: { status: app.health, ...(app.message ? { message: app.message } : {}) },
      },
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setApp: (name, state) => apps.set(name, state),
    reads: () => reads,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
