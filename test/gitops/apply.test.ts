import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { applyUpdate } from '../../src/gitops/apply.js';
import { createMirrors, type Mirrors } from '../../src/git/mirrors.js';
import type { EnvUpdateSpec } from '../../src/plan/spec.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

describe('applyUpdate against a branch that moves', () => {
  let gh: GithubEmulator;
  let dataDir: string;

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'direct/application.yaml.tmpl': deployment('direct') } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-apply-'));
  });
  after(async () => {
    await gh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function spec(seq: number, args: string[]): EnvUpdateSpec {
    const sha = String(seq).padStart(40, 'a');
    return {
      seq,
      source: { host: 'github', fullName: APP, sha, ref: 'refs/heads/direct', refName: 'direct', pusher: 'alice', webUrl: `${gh.url}/${APP}`, commitUrl: `${gh.url}/${APP}/commit/${sha}`, deliveryId: `d-${seq}` },
      task: 'deploy', args, workingSubdir: '', target: { host: 'github', fullName: GITOPS }, images: {}, envDir: 'direct', receivedAt: Date.now(),
    };
  }

  it('a non-fast-forward push to the base is refetched, re-rendered on the new base and retried', async () => {
    const config = parseConfig(`hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\ndataDir: ${dataDir}\n`, {});
    const real = createMirrors(dataDir);
    let fetches = 0;
    // Another writer lands a commit on main right after our first fetch: our push must be rejected.
    const mirrors: Mirrors = { ...real, async fetch(remote) {
      const dir = await real.fetch(remote);
      if (++fetches === 1) await gh.git.commit(GITOPS, 'main', { 'other/notes.md': 'someone else\n' }, 'concurrent change');
      return dir;
    } };
    const deps = { config, providers: createProviders(config, mirrors), mirrors, resolveDigest: async () => { throw new Error('no digests here'); } };
    const result = await applyUpdate(deps, 'env-direct', spec(5, ['-substitute=imageName=reg/app:v5', '-filepath=direct/**', '-create-pull-request=false']));
    assert.equal(result.outcome, 'updated');
    assert.equal(fetches, 2, 'fetched again after the rejection');
    assert.equal(await gh.git.readFile(GITOPS, 'main', 'other/notes.md'), 'someone else\n', 'the other change is kept');
    assert.match((await gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '', /image: reg\/app:v5\n/);
    const [top] = await gh.git.log(GITOPS, 'main', 1);
    assert.match(top!.message, /Dispatchd-Seq: 5/);

    const older = await applyUpdate(deps, 'env-direct', spec(4, ['-substitute=imageName=reg/app:v4', '-filepath=direct/**', '-create-pull-request=false']));
    assert.equal(older.outcome, 'superseded', 'an older job after a newer one changes nothing');
    assert.match((await gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '', /image: reg\/app:v5\n/);
  });
});
