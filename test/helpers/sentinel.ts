import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

/**
 * A real replicated Redis under Sentinel on 127.0.0.1: one master, `replicas` replicas
 * (`--replicaof`) and `sentinels` redis-sentinel processes (Debian's redis-sentinel package),
 * durable as production runs Redis (AOF, appendfsync always, noeviction). Every process is the
 * leader of its own process group (`detached`), so `stop()` can kill it whatever state the test
 * left it in.
 */
export interface SentinelTopology {
  name: string;
  /** `redis+sentinel://…/<name>`, what REDIS_URL would say. */
  url: string;
  sentinels: { host: string; port: number }[];
  /** The master's port when the topology started. */
  firstMaster: number;
  /** The redis-server process listening on `port` (undefined once killed). */
  node(port: number): ChildProcess | undefined;
  /** Ports of every redis-server started (master first). */
  ports: number[];
  /** What the sentinels say the master is now (the first sentinel that answers). */
  masterPort(): Promise<number | undefined>;
  /** Resolves with the new master's port once the sentinels name another than `oldPort`. */
  waitForSwitch(oldPort: number, timeoutMs: number): Promise<number>;
  /** Resolves once the master on `port` has `n` replicas online. */
  waitForReplicas(port: number, n: number, timeoutMs: number): Promise<void>;
  /** SIGKILL of the redis-server on `port` (no AOF flush, no goodbye to the replicas). */
  kill(port: number): Promise<void>;
  /** Starts the killed node again on its port and data dir, as a replica of `masterPort`. */
  restartAsReplica(port: number, masterPort: number): Promise<void>;
  /** A plain connection to one node (for checks that must read a given node). */
  connect(port: number): Redis;
  stop(): Promise<void>;
}

export interface SentinelOptions {
  replicas?: number;
  sentinels?: number;
  name?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  /** Keep the data dir (logs of every process) after stop(). */
  keepDir?: boolean;
}

const alive = (c: ChildProcess | undefined): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Spawns `cmd` in its own process group, waits for `ready` in its output (bounded); null: no wait. */
async function spawnReady(
  cmd: string,
  args: string[],
  ready: RegExp | null,
  what: string,
  timeoutMs = 15_000,
): Promise<ChildProcess> {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    await new Promise<void>((res, rej) => {
      const t = setTimeout(
        () => rej(new Error(`${what} not ready within ${timeoutMs} ms:\n${out.slice(-2000)}`)),
        timeoutMs,
      );
      const onData = (b: Buffer) => {
        out += b.toString();
        if (ready?.test(out)) {
          clearTimeout(t);
          res();
        }
      };
      if (!ready)
        child.once('spawn', () => {
          clearTimeout(t);
          res();
        });
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(t);
        rej(new Error(`${what}: ${err.message} (is the Debian package installed? scripts/ensure-system.sh test)`));
      });
      child.once('exit', (code, sig) => {
        clearTimeout(t);
        rej(new Error(`${what} exited (${code ?? sig}) before ready:\n${out.slice(-2000)}`));
      });
    });
  } catch (err) {
    if (alive(child)) killGroup(child, 'SIGKILL');
    throw err;
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startSentinelTopology(o: SentinelOptions = {}): Promise<SentinelTopology> {
  const name = o.name ?? 'mymaster';
  const dir = await mkdtemp(join(tmpdir(), 'dispatchd-sentinel-'));
  const nodes = new Map<number, ChildProcess>();
  const sentinelProcs: ChildProcess[] = [];
  const clients = new Set<Redis>();
  const ports: number[] = [];

  const startNode = async (port: number, replicaOf?: number) => {
    const nodeDir = join(dir, `redis-${port}`);
    await mkdir(nodeDir, { recursive: true });
    const child = await spawnReady(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--daemonize',
        'no',
        '--protected-mode',
        'no',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        // A replica that (re)joins gets its copy at once, not after the default 5 s diskless delay.
        '--repl-diskless-sync-delay',
        '0',
        '--logfile',
        join(nodeDir, 'redis.log'),
        '--loglevel',
        'notice',
        ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
      ],
      null,
      `redis-server :${port}`,
    );
    nodes.set(port, child);
    // Its log goes to its file (kept with keepDir): ask the server itself until it answers.
    const c = connect(port);
    try {
      await poll(`redis-server :${port} answering (log: ${join(nodeDir, 'redis.log')})`, 10_000, async () => {
        if (!alive(child)) throw new Error(`redis-server :${port} exited`);
        return (await c.ping()) === 'PONG' ? true : undefined;
      });
    } finally {
      c.disconnect();
    }
  };

  const connect = (port: number) => {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 200,
      enableOfflineQueue: true,
    });
    c.on('error', () => undefined);
    clients.add(c);
    c.once('end', () => clients.delete(c));
    return c;
  };

  const stop = async () => {
    for (const c of clients) c.disconnect();
    const all = [...nodes.values(), ...sentinelProcs].filter(alive);
    await Promise.all(
      all.map(async (c) => {
        const gone = once(c, 'exit');
        killGroup(c, 'SIGKILL');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      }),
    );
    if (!o.keepDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const masterPort = await freePort();
    ports.push(masterPort);
    await startNode(masterPort);
    for (let i = 0; i < (o.replicas ?? 1); i++) {
      const p = await freePort();
      ports.push(p);
      await startNode(p, masterPort);
    }
    await waitForReplicas(masterPort, o.replicas ?? 1, 15_000);

    const count = o.sentinels ?? 3;
    const quorum = Math.floor(count / 2) + 1;
    const sentinels: { host: string; port: number }[] = [];
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const sdir = join(dir, `sentinel-${port}`);
      await mkdir(sdir, { recursive: true });
      const conf = join(sdir, 'sentinel.conf');
      // Sentinel rewrites its config file as it learns the topology, so each gets its own.
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'daemonize no',
          'protected-mode no',
          `dir ${sdir}`,
          'logfile ""',
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${name} ${o.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${o.failoverTimeoutMs ?? 5000}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinelProcs.push(await spawnReady('redis-sentinel', [conf], /\+monitor master/, `redis-sentinel :${port}`));
      sentinels.push({ host: '127.0.0.1', port });
    }
    // A failover needs the sentinels to know each other (hello messages every 2 s) and the replicas.
    for (const s of sentinels) {
      const c = connect(s.port);
      try {
        await poll(
          `sentinel :${s.port} sees the other sentinels and the replicas`,
          20_000,
          async () => {
            const others = (await c.call('SENTINEL', 'SENTINELS', name)) as unknown[];
            const replicas = (await c.call('SENTINEL', 'REPLICAS', name)) as unknown[];
            return others.length >= count - 1 && replicas.length >= (o.replicas ?? 1) ? true : undefined;
          },
          200,
        );
      } finally {
        c.disconnect();
      }
    }

    const masterPortNow = async () => {
      for (const s of sentinels) {
        const c = connect(s.port);
        try {
          const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
          if (addr) return Number(addr[1]);
        } catch {
          // next sentinel
        } finally {
          c.disconnect();
        }
      }
      return undefined;
    };

    return {
      name,
      url: `redis+sentinel://${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${name}`,
      sentinels,
      firstMaster: masterPort,
      ports,
      node: (port) => nodes.get(port),
      masterPort: masterPortNow,
      waitForSwitch: (oldPort, timeoutMs) =>
        poll(
          'the sentinels to name a new master',
          timeoutMs,
          async () => {
            const p = await masterPortNow();
            return p !== undefined && p !== oldPort ? p : undefined;
          },
          50,
        ),
      waitForReplicas,
      async kill(port) {
        const child = nodes.get(port);
        if (!alive(child)) return;
        const gone = once(child, 'exit');
        killGroup(child, 'SIGKILL');
        await gone;
        nodes.delete(port);
      },
      restartAsReplica: (port, master) => startNode(port, master),
      connect,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }

  async function waitForReplicas(port: number, n: number, timeoutMs: number): Promise<void> {
    const c = connect(port);
    try {
      await poll(`redis :${port} with ${n} replica(s) online`, timeoutMs, async () => {
        const info = await c.info('replication');
        const online = info.split('\n').filter((l) => /^slave\d+:.*state=online/.test(l)).length;
        return online >= n ? true : undefined;
      });
    } finally {
      c.disconnect();
    }
  }
}
