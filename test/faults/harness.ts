import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js';
import { fixture } from '../e2e/fixtures.js';

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no cleanup, locks stay until BullMQ's stalled check hands the jobs back. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful path; resolves with the exit code. */
  term(): Promise<number | null>;
}

/** Starts `startWorkers` in its own node process (so it can be SIGKILLed) and waits until ready. */
export async function spawnWorker(configPath: string, redisUrl: string, env: Record<string, string>, logPath: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, configPath, redisUrl, logPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`worker child not ready within 20 s: ${out}`)), 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) { clearTimeout(t); res(); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(t); rej(new Error(`worker child exited with ${code} before ready: ${out}`)); });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async term() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited)[0];
    },
  };
}

/** A durable redis-server that can crash (SIGKILL) and come back on the same port and dir. */
export interface CrashableRedis {
  url: string;
  /** The running redis-server process, for SIGSTOP/SIGCONT. */
  process(): ChildProcess;
  crash(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function crashableRedis(dir: string): Promise<CrashableRedis> {
  let current: EmbeddedRedis = await startEmbeddedRedis(dir);
  const port = current.port;
  return {
    url: current.url,
    process: () => current.process,
    async crash() {
      const p = current.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = once(p, 'exit');
      p.kill('SIGKILL');
      await gone;
    },
    async restart() {
      current = await startEmbeddedRedis(dir, { port });
    },
    stop: () => current.stop(),
  };
}

/** GitHub's push payload (the go-scm fixture) re-aimed at an emulator repository and commit. */
export function githubPush(app: string, branch: string, before: string, after: string, base: string): string {
  const p = fixture('github/goscm-push.json');
  const head = p.head_commit as Record<string, unknown>;
  const name = app.split('/')[1];
  return JSON.stringify({
    ...p,
    ref: `refs/heads/${branch}`,
    before,
    after,
    created: /^0+$/.test(before),
    head_commit: { ...head, id: after, modified: ['VERSION'] },
    commits: [{ ...head, id: after, modified: ['VERSION'] }],
    repository: { ...(p.repository as object), full_name: app, name, clone_url: `${base}/${app}.git`, html_url: `${base}/${app}` },
  });
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
