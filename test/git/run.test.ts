import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { DispatchError, PermanentError, TransientError } from '../../src/core/errors.js';
import { git } from '../../src/git/run.js';

/** Listens on the first free port of `ports` (or any port when none is given). */
async function listenOn(server: Server | HttpServer, ports: number[] = [0]): Promise<number> {
  for (const port of ports) {
    const bound = await new Promise<boolean>((resolve) => {
      const failed = () => resolve(false);
      server.once('error', failed);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', failed);
        resolve(true);
      });
    });
    if (bound) return (server.address() as AddressInfo).port;
  }
  throw new Error(`none of ports ${ports[0]}–${ports.at(-1)} is free`);
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

async function lsRemoteFails(port: number): Promise<DispatchError> {
  const err = await git(['ls-remote', `http://127.0.0.1:${port}/acme/app.git`]).then(
    () => assert.fail('ls-remote should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DispatchError, String(err));
  return err;
}

describe(
  'git: what a failed remote call is (retried or not), from its words rather than its URL',
  { timeout: 60_000 },
  () => {
    const servers: (Server | HttpServer)[] = [];
    after(async () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

    const answering = (status: number) => {
      const server = createHttpServer((_req, res) => {
        res.writeHead(status, status === 401 ? { 'WWW-Authenticate': 'Basic realm="git"' } : {});
        res.end('no\n');
      });
      servers.push(server);
      return server;
    };

    it('a server that hangs up, on a port whose number holds "401" and "403": a network fault, retried', async () => {
      const hangUp = createNetServer((socket) => socket.destroy());
      servers.push(hangUp);
      // 40100–40199 all hold "401"; 40300–40399 all hold "403".
      const port = await listenOn(hangUp, [...range(40100, 100), ...range(40300, 100)]);
      const err = await lsRemoteFails(port);
      assert.ok(err instanceof TransientError, `${err.code}: ${err.message}`);
      assert.equal(err.code, 'git_network');
    });

    it('401 and 403 on a port holding "503": authentication, not retried, and the message says what to check', async () => {
      for (const status of [401, 403]) {
        const port = await listenOn(answering(status), range(50300, 100));
        const err = await lsRemoteFails(port);
        assert.ok(err instanceof PermanentError, `${status}: ${err.code}: ${err.message}`);
        assert.equal(err.code, 'git_auth');
        assert.match(err.message, /Check the host's token/);
      }
    });

    it('502 and 503 are server faults, retried; 404 is a missing repository, not retried', async () => {
      for (const status of [502, 503]) {
        const err = await lsRemoteFails(await listenOn(answering(status)));
        assert.ok(err instanceof TransientError, `${status}: ${err.code}: ${err.message}`);
      }
      const missing = await lsRemoteFails(await listenOn(answering(404)));
      assert.ok(missing instanceof PermanentError, missing.message);
      assert.equal(missing.code, 'git_not_found');
    });
  },
);
