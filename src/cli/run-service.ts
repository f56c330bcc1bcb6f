import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Env } from '../config/load.js';
import type { DispatchdConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { connectDemo, demoPush, headBranch, prepareDemo, type DemoLayout } from '../demo/demo.js';
import { dataDirOf, loadConfig, redisFor } from '../runtime/boot.js';
import { openProducer } from '../runtime/connections.js';
import { buildReceiver } from '../runtime/receiver.js';
import { buildWorkerServer } from '../runtime/worker-server.js';
import { readSettings, shutdownTimeoutOf } from '../runtime/settings.js';
import { startWorkers } from '../../workers/start.js';

export type Mode = 'start' | 'serve' | 'worker' | 'demo';

export interface Stopped {
  /** true: everything closed within the shutdown timeout; false: unfinished jobs were left for other workers. */
  clean: boolean;
  /** Why it was not clean. */
  reason?: string;
}

export interface Running {
  url: string;
  /** How long `stop()` waits for in-flight work (`shutdownTimeout`, or DISPATCHD_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs: number;
  /**
   * Stops listening and lets in-flight requests and jobs finish, for at most `shutdownTimeoutMs`;
   * past it (or at once when the embedded Redis is gone), drops the connections and leaves
   * unfinished jobs locked: another worker takes them back when their lock lapses. Then stops
   * the embedded redis-server. Bounded whatever state Redis and the SCMs are in.
   */
  stop(): Promise<Stopped>;
}

/** Resolves with `value` after `ms`; `cancel()` clears the timer. The timer never keeps the process alive. */
function after<T>(ms: number, value: T): { promise: Promise<T>; cancel(): void } {
  let t: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((r) => {
    t = setTimeout(() => r(value), ms);
    t.unref();
  });
  return { promise, cancel: () => clearTimeout(t) };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => child.once('exit', () => r()));

const listen = (server: Server, port: number, host: string) =>
  new Promise<string>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      res(`http://${a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address}:${a.port}`);
    });
  });

/**
 * Runs dispatchd in one of its modes. `start` = receiver + workers; with no config it runs the
 * offline demo once and keeps serving. `demo` does the same on a free port and returns.
 */
export async function runService(
  mode: Mode,
  env: Env,
  out: (line: string) => void,
  log: Logger = createLogger(),
): Promise<Running> {
  const settings = readSettings(env);
  const fileConfig = await loadConfig(settings, env);
  const dataDir = dataDirOf(settings, fileConfig);
  let demo: DemoLayout | undefined;
  let config: DispatchdConfig;
  if (fileConfig) config = fileConfig;
  else {
    if (mode === 'serve' || mode === 'worker')
      throw new Error(`dispatchd ${mode} needs DISPATCHD_CONFIG (the offline demo runs with "start" or "demo")`);
    demo = await prepareDemo(dataDir);
    config = demo.config;
    out(`No DISPATCHD_CONFIG: running the offline demo in ${demo.dir}`);
  }
  const shutdownTimeoutMs = shutdownTimeoutOf(settings, config);
  const redis = await redisFor(settings, dataDir, config);
  if (redis.embedded) out(`Embedded redis-server on ${redis.url} (data in ${dataDir}/redis)`);
  const producer = openProducer(redis.url);
  await producer.ready();
  const admin = { ...(settings.adminToken ? { adminToken: settings.adminToken } : {}) };
  const server =
    mode === 'worker'
      ? buildWorkerServer(config, producer, log, admin)
      : buildReceiver(config, producer, log, undefined, { ...admin, openAdminOnLoopback: Boolean(demo) });
  const url = await listen(server, mode === 'demo' ? 0 : settings.port, mode === 'demo' ? '127.0.0.1' : settings.host);
  const workers = mode === 'serve' ? undefined : await startWorkers(config, redis.url, producer, log);
  // A wildcard bind is printed as a URL one can open here, and said to take every interface.
  const everywhere =
    mode !== 'demo' && ['0.0.0.0', '::'].includes(settings.host) ? ` (all interfaces: HOST=${settings.host})` : '';
  out(`dispatchd ${mode} listening on ${url}${everywhere}${mode === 'worker' ? ' (health only)' : ''}`);

  let stopping: Promise<Stopped> | undefined;
  const stop = () =>
    (stopping ??= (async (): Promise<Stopped> => {
      const deadline = after(shutdownTimeoutMs, 'timeout' as const);
      // Both at once: a request that hangs (an admin call on a hung Redis) must not keep the workers taking jobs.
      const drained = Promise.all([new Promise<void>((r) => server.close(() => r())), workers?.close()]).then(
        () => 'drained' as const,
        (err: unknown) => {
          log.warn({ err: (err as Error).message }, 'shutdown: closing the workers failed');
          return 'failed' as const;
        },
      );
      // Without its Redis nothing can finish: no reason to wait out the deadline.
      const redisGone = redis.embedded
        ? exited(redis.embedded.process).then(() => 'redis-gone' as const)
        : new Promise<never>(() => undefined);
      const outcome = await Promise.race([drained, deadline.promise, redisGone]);
      deadline.cancel();
      let reason: string | undefined;
      if (outcome !== 'drained') {
        reason =
          outcome === 'timeout'
            ? `shutdown did not complete within ${shutdownTimeoutMs} ms (jobs still running, or Redis unreachable)`
            : outcome === 'redis-gone'
              ? 'the embedded redis-server is gone'
              : 'the workers did not close';
        server.closeAllConnections();
        await workers?.close(true);
      }
      const closed = after(1000, 'timeout' as const);
      await Promise.race([producer.close(), closed.promise]);
      closed.cancel();
      await redis.embedded?.stop(2000);
      return reason === undefined ? { clean: true } : { clean: false, reason };
    })());
  if (demo) {
    try {
      await connectDemo(demo, url);
      out('Pushing release 1.1.0 of acme/app to its staging branch (the post-receive hook sends the signed webhook)…');
      const r = await demoPush(demo, 'staging', '1.1.0');
      out(
        `\nThe GitOps repo's branch ${headBranch('staging')} now holds:\n\n${r.show}\nstaging/application.yaml, rendered:\n\n${r.rendered}`,
      );
      out(
        `Send another push:\n  cd ${demo.appWork} && echo 1.2.0 > VERSION && git commit -qam "Release 1.2.0" && git push ` +
          `origin staging\n  (or push to production; see the result with: git -C ${demo.gitopsBare} log --all --oneline)`,
      );
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return { url, shutdownTimeoutMs, stop };
}
