import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A loopback HTTP server for registry behaviour docker-registry cannot be made to show. */
export async function startServer(
  handle: (path: string, headers: IncomingHttpHeaders, method: string) => Promise<Answer>,
): Promise<{ host: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    handle(req.url ?? '/', req.headers, req.method ?? 'GET').then(
      (answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      },
      (error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
