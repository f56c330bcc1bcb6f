import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DispatchError } from '../core/errors.js';

export const REDIS_INSTALL_HINT =
  'install it with: sudo apt-get install -y redis-server   (or set REDIS_URL to a Redis you run)';

/** A free TCP port on loopback, as the OS hands it out. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGTERM (Redis flushes its AOF and exits), SIGKILL if it is still there after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Stops the child when this process exits, however it exits short of SIGKILL. One listener per
 * child, removed when the child ends: no process-wide registry.
 */
const stopOnExit = (child: ChildProcess) => {
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  child.once('exit', () => process.removeListener('exit', stop));
};

/**
 * Runs `redis-server` as a child process with its data under `dir`, durable as docs/architecture.md ("Durability and recovery") says:
 * AOF with `appendfsync always` (a 202 means the delivery is on disk) and `noeviction` (Redis
 * refuses writes rather than dropping queued jobs). dispatchd never installs anything itself.
 */
export async function startEmbeddedRedis(
  dir: string,
  opts: { port?: number; binary?: string; detached?: boolean } = {},
): Promise<EmbeddedRedis> {
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawn(
    opts.binary ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      absDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--loglevel',
      'notice',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.detached ? { detached: true } : {}) },
  );
  stopOnExit(child);
  await new Promise<void>((res, rej) => {
    let out = '';
    const timer = setTimeout(
      () => rej(new DispatchError('redis_start', `redis-server did not start within 10 s: ${out.trim()}`)),
      10_000,
    );
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/Ready to accept connections/i.test(out)) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      rej(
        err.code === 'ENOENT'
          ? new DispatchError('redis_missing', `redis-server was not found on the PATH; ${REDIS_INSTALL_HINT}`)
          : err,
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new DispatchError('redis_start', `redis-server exited with code ${code}: ${out.trim()}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: (graceMs = 5000) =>
      new Promise<void>((res) => {
        // A redis-server killed by a signal has signalCode set and exitCode null: it is gone too.
        if (child.exitCode !== null || child.signalCode !== null) return res();
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(force);
          res();
        });
        child.kill('SIGTERM');
      }),
  };
}
