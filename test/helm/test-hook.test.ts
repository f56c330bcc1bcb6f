import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cachedRender, ciValues, find, helmFetcher, type Manifest, type PodSpec } from './helm.js';

const renderCase = cachedRender(helmFetcher());

function hookPod(): Manifest & { spec: PodSpec } {
  return find(renderCase(['-f', ciValues('external-redis-values.yaml')]), 'Pod', 'rel-dispatchd-test-readyz') as Manifest & { spec: PodSpec };
}

/** Runs the hook container's command with this machine's node, READYZ_URL pointed at `url`. */
async function runHook(url: string): Promise<{ code: number | null; output: string }> {
  const c = hookPod().spec.containers[0];
  assert.ok(c?.command && c.args);
  const [cmd, ...cmdArgs] = c.command;
  assert.equal(cmd, 'node');
  const child = spawn(process.execPath, [...cmdArgs, ...c.args], { env: { ...process.env, READYZ_URL: url } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

test('helm test pod asks the receiver Service for /readyz', () => {
  const pod = hookPod();
  assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
  const env = pod.spec.containers[0]?.env?.find((e) => e.name === 'READYZ_URL');
  assert.equal(env?.value, 'http://rel-dispatchd:80/readyz');
  assert.equal(pod.spec.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
});

test('helm test pod passes on 200 from /readyz and fails on 503 or no answer', async () => {
  let status = 200;
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? status : 404;
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  try {
    const ok = await runHook(url);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /answered 200/);
    status = 503;
    const down = await runHook(url);
    assert.equal(down.code, 1);
    assert.match(down.output, /answered 503/);
  } finally {
    server.close();
  }
  const gone = await runHook(url);
  assert.equal(gone.code, 1);
  assert.match(gone.output, /unreachable/);
});
