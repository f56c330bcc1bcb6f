import { spawn, type ChildProcess } from 'node:child_process';
import { nodeEntry } from '../../test/helpers/node-entry.js';

export interface ServingChild {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry in its own process (compiled when the bench runs compiled, else
 * through tsx) and waits for `LISTENING <port>`.
 * `nodeArgs` go before the entry (`--cpu-prof --cpu-prof-dir=<dir>` for `npm run bench -- --profile`).
 */
export function startTsChild(
  entry: URL,
  args: string[],
  timeoutMs = 20_000,
  nodeArgs: string[] = [],
): Promise<ServingChild> {
  const child = spawn(process.execPath, [...nodeArgs, ...nodeEntry(entry), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry.pathname} did not start within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        port: Number(m[1]),
        process: child,
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              res();
            });
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry.pathname} exited with ${code} before listening: ${out}`));
    });
  });
}

/** Resident memory of a process in MB, from /proc (Linux); null elsewhere. */
export async function rssMB(pid: number | undefined): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}
