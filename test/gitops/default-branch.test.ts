import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { applyUpdate } from '../../src/gitops/apply.js';
import { createMirrors } from '../../src/git/mirrors.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { runGit } from '../emulators/common/git/run-git.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

const REPO_ROUTE = 'GET /repos/{owner}/{repo}';

/**
 * The GitOps apply takes the target's default branch from a cache (5 min): one API call for many
 * updates, and a renamed default branch is asked again at once instead of failing the update.
 */
describe('applyUpdate with a cached default branch', () => {
  let gh: GithubEmulator;
  let dataDir: string;
  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'direct/application.yaml.tmpl': deployment('direct') } });
    await gh.git.createRepo(APP, { files: { VERSION: '1\n' } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-default-branch-'));
  });
  after(async () => {
    await gh?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const spec = (seq: number, sha: string, tag: string): EnvUpdateSpec => ({
    seq,
    source: {
      host: 'github',
      fullName: APP,
      sha,
      ref: 'refs/heads/direct',
      refName: 'direct',
      pusher: 'alice',
      webUrl: `${gh.url}/${APP}`,
      commitUrl: `${gh.url}/${APP}/commit/${sha}`,
      deliveryId: `d-${seq}`,
    },
    task: 'deploy',
    args: [`-substitute=imageName=reg/app:${tag}`, '-filepath=direct/**', '-create-pull-request=false'],
    workingSubdir: '',
    target: { host: 'github', fullName: GITOPS },
    images: {},
    envDir: 'direct',
    receivedAt: Date.now(),
  });

  it('asks once for many updates, and again at once when the cached branch was renamed', async () => {
    const config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
        `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [direct]\n        modes: [direct]\ndataDir: ${dataDir}\n`,
      {},
    );
    const deps = {
      config,
      providers: createProviders(config, createMirrors(dataDir)),
      mirrors: createMirrors(dataDir),
      resolveDigest: async () => 'sha256:unused',
    };
    const asked = gh.count(REPO_ROUTE);
    const c2 = await gh.git.commit(APP, 'direct', { VERSION: '2\n' }, 'v2');
    assert.equal((await applyUpdate(deps, 'env-direct', spec(2, c2, 'v2'))).outcome, 'updated');
    const c3 = await gh.git.commit(APP, 'direct', { VERSION: '3\n' }, 'v3');
    assert.equal((await applyUpdate(deps, 'env-direct', spec(3, c3, 'v3'))).outcome, 'updated');
    assert.match((await gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '', /reg\/app:v3\n/);
    assert.equal(gh.count(REPO_ROUTE) - asked, 1, 'two updates, one default-branch call');

    // The owner renames the default branch main → trunk while dispatchd has "main" cached.
    const bare = gh.git.bareDir(GITOPS);
    await runGit(['branch', '-m', 'main', 'trunk'], { cwd: bare });
    await runGit(['symbolic-ref', 'HEAD', 'refs/heads/trunk'], { cwd: bare });
    const c4 = await gh.git.commit(APP, 'direct', { VERSION: '4\n' }, 'v4');
    const r = await applyUpdate(deps, 'env-direct', spec(4, c4, 'v4'));
    assert.deepEqual([r.outcome, r.branch], ['updated', 'trunk']);
    assert.match((await gh.git.readFile(GITOPS, 'trunk', 'direct/application.yaml')) ?? '', /reg\/app:v4\n/);
    assert.equal(gh.count(REPO_ROUTE) - asked, 2, 'asked again once, when the mirror lacked the cached branch');
    const c5 = await gh.git.commit(APP, 'direct', { VERSION: '5\n' }, 'v5');
    assert.equal((await applyUpdate(deps, 'env-direct', spec(5, c5, 'v5'))).outcome, 'updated');
    assert.equal(gh.count(REPO_ROUTE) - asked, 2, 'then cached again');
  });
});
