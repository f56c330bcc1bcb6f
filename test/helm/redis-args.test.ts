import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/ports.js';
import { cachedRender, ciValues, container, helmFetcher, workload } from './helm.js';

test("a real redis-server accepts the chart Redis's arguments and runs with its durability settings", async () => {
  const ms = cachedRender(helmFetcher())(['-f', ciValues('bundled-redis-values.yaml')]);
  const redisContainer = container(workload(ms, 'StatefulSet', 'rel-dispatchd-redis'));
  assert.deepEqual(redisContainer.command, ['redis-server']);
  const dir = mkdtempSync(path.join(tmpdir(), 'dispatchd-redis-'));
  const port = await freePort();
  // Same words as in the pod, with the data dir and port moved to this machine's loopback.
  const args = (redisContainer.args ?? []).map((a) => (a === '/data' ? dir : a));
  const server = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = once(server, 'exit');
  // redis-server says when it listens; with a bad argument it exits at once instead.
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`redis-server refused the chart's arguments:\n${output}`)));
    setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000).unref();
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await ready;
    await client.connect();
    const get = async (name: string): Promise<string | undefined> => ((await client.config('GET', name)) as string[])[1];
    assert.equal(await get('appendonly'), 'yes');
    assert.equal(await get('appendfsync'), 'always');
    assert.equal(await get('maxmemory-policy'), 'noeviction');
    assert.equal(await get('maxmemory'), String(256 * 1024 * 1024));
    assert.equal(await client.set('k', 'v'), 'OK');
  } finally {
    client.disconnect();
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
