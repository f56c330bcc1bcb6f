import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.js';
import type { DispatchdConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startWorkers, type Workers } from '../../workers/start.js';
import type { OnGitopsEvent } from '../../src/core/gitops-events.js';
import { startRedis } from './redis.js';
import { keys } from '../../src/queue/names.js';

export interface Stack {
  config: DispatchdConfig;
  server: Server;
  producer: Producer;
  workers?: Workers;
  redisUrl: string;
  logs: string[];
  /** Resolves once the inbox stream is empty: every accepted delivery is a job (and audited). */
  drained(timeoutMs?: number): Promise<void>;
  /** Resolves once the inbox is drained and both queues have no waiting, active or delayed jobs. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real service (receiver + workers) over a real redis-server, configured from YAML text.
 * `${DATA_DIR}` in the YAML is replaced by a fresh temp dir.
 */
export async function startStack(
  configYaml: string,
  opts: { workers?: boolean; env?: Record<string, string>; onGitopsEvent?: OnGitopsEvent } = {},
): Promise<Stack> {
  const redis = await startRedis();
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-data-'));
  const config = parseConfig(configYaml, { ...opts.env, DATA_DIR: dataDir });
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const producer = openProducer(redis.url);
  await producer.ready();
  const server = buildReceiver(config, producer, log);
  const workers =
    opts.workers === false
      ? undefined
      : await startWorkers(config, redis.url, producer, log, undefined, {
          ...(opts.onGitopsEvent ? { onGitopsEvent: opts.onGitopsEvent } : {}),
        });
  const drained = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await producer.redis.xlen(keys.inbox())) > 0) {
      if (Date.now() > deadline) throw new Error(`inbox not drained after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    config,
    server,
    producer,
    redisUrl: redis.url,
    logs,
    ...(workers ? { workers } : {}),
    drained,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      await drained(timeoutMs);
      for (;;) {
        const counts = await Promise.all(
          [producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
        if (Date.now() > deadline) throw new Error(`queues not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await workers?.close();
      await producer.close();
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
