import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { nodeEntry } from '../helpers/node-entry.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dirs: string[] = [];
const temp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dispatchd-demo-test-'));
  dirs.push(d);
  return d;
};
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Runs the CLI as a user would, with a clean environment (no REDIS_URL, no DISPATCHD_CONFIG). */
async function dispatchd(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [...nodeEntry(MAIN), ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dispatchd demo (the offline demo on the embedded default)', () => {
  it('pushes to staging and prints the rendered GitOps change, then exits 0', async () => {
    const dataDir = await temp();
    const r = await dispatchd(['demo'], { DISPATCHD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No DISPATCHD_CONFIG: running the offline demo/);
    assert.match(r.stdout, /Embedded redis-server on redis:\/\/127\.0\.0\.1:\d+/);
    const sha = /Dispatchd-Commit: ([0-9a-f]{40})/.exec(r.stdout)?.[1];
    assert.ok(sha, 'the GitOps commit names the source commit');
    assert.match(r.stdout, new RegExp(`image: registry\\.example\\.com/acme/hello-world:staging-${sha}`));
    assert.match(r.stdout, /namespace: staging/);
    assert.match(r.stdout, /Send another push:/);
  });

  it('refuses to run the demo with NODE_ENV=production and no config', async () => {
    const r = await dispatchd(['start'], { NODE_ENV: 'production', DISPATCHD_DATA_DIR: await temp() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /DISPATCHD_CONFIG is not set/);
  });

  it('exits 1 printing the install command when redis-server is not on the PATH', async () => {
    const bin = join(await temp(), 'bin');
    await mkdir(bin);
    for (const tool of ['git']) {
      const { stdout } = await run('sh', ['-c', `command -v ${tool}`]);
      await symlink(stdout.trim(), join(bin, tool));
    }
    const r = await dispatchd(['demo'], { PATH: bin, DISPATCHD_DATA_DIR: await temp() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /redis-server was not found/);
    assert.match(r.stderr, /apt-get install -y redis-server/);
  });
});
