import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js';
import { nodeEntry } from '../helpers/node-entry.js';

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no cleanup, locks stay until BullMQ's stalled check hands the jobs back. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful path; resolves with the exit code. */
  term(): Promise<number | null>;
}

/** Starts `startWorkers` in its own node process (so it can be SIGKILLed) and waits until ready. */
export function spawnWorker(
  configPath: string,
  redisUrl: string,
  env: Record<string, string>,
  logPath: string,
): Promise<WorkerProcess> {
  return spawnReady(CHILD, [configPath, redisUrl, logPath], env);
}

/** Runs a TypeScript child in its own process group and waits until it prints `ready`. */
export async function spawnReady(script: string, args: string[], env: Record<string, string>): Promise<WorkerProcess> {
  // Its own process group, so a kill reaches the git processes it started too, and a test
  // process that dies still takes the group with it (the exit hook below).
  const child = spawn(process.execPath, [...nodeEntry(script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  let out = '';
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => {
      killGroup('SIGKILL');
      rej(new Error(`worker child not ready within 20 s: ${out}`));
    }, 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) {
        clearTimeout(t);
        res();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`worker child exited with ${code} before ready: ${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) killGroup('SIGKILL');
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

/**
 * A durable redis-server in its own process group, as a Redis on another machine would be: a
 * signal to the process under test's group never reaches it. `kill()` SIGKILLs it (an outage).
 */
export async function groupRedis(dir: string, port?: number): Promise<EmbeddedRedis & { kill(): Promise<void> }> {
  const redis = await startEmbeddedRedis(dir, { detached: true, ...(port ? { port } : {}) });
  return {
    ...redis,
    async kill() {
      const p = redis.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = once(p, 'exit');
      process.kill(-p.pid!, 'SIGKILL');
      await gone;
    },
  };
}

/** A `dispatchd` command run as its own process group (`detached`), its output collected. */
export interface DispatchdProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with [code, signal] when it exits. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Waits (at most `ms`) until the output matches; fails with the output if it exits first or time runs out. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  /** SIGKILL to the whole group (the embedded redis-server included); for `after` hooks. */
  killGroup(): void;
}

export function spawnDispatchd(args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): DispatchdProcess {
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    output: () => out,
    exited,
    async waitFor(pattern, ms) {
      const deadline = Date.now() + ms;
      while (!pattern.test(out)) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `dispatchd exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out}`,
          );
        if (Date.now() > deadline) throw new Error(`dispatchd did not print ${pattern} within ${ms} ms:\n${out}`);
        await sleep(50);
      }
    },
    killGroup() {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
