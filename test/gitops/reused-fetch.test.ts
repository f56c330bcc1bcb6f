import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { createMirrors, type Mirrors } from '../../src/git/mirrors.js';
import { applyUpdate } from '../../src/gitops/apply.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

const HEAD = `dispatchd/github/${APP}/rf`;

describe('a fetch taken from the plan never decides to push nothing', { timeout: 120_000 }, () => {
  let gh: GithubEmulator;
  let dataDir: string;
  let config: ReturnType<typeof parseConfig>;

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'rf/application.yaml.tmpl': deployment('rf') } });
    await gh.git.createRepo(APP, { files: { VERSION: '0\n' } });
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-reused-'));
    config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
        `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [rf]\ndataDir: ${dataDir}\n`,
      {},
    );
  });
  after(async () => {
    await gh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const spec = (seq: number, sha: string): EnvUpdateSpec => ({
    seq,
    source: {
      host: 'github',
      fullName: APP,
      sha,
      ref: 'refs/heads/rf',
      refName: 'rf',
      pusher: 'alice',
      webUrl: `${gh.url}/${APP}`,
      commitUrl: `${gh.url}/${APP}/commit/${sha}`,
      deliveryId: `d-${seq}`,
    },
    task: 'deploy',
    args: [`-substitute=imageName=reg/app:${sha.slice(0, 7)}`, '-filepath=rf/**'],
    workingSubdir: '',
    target: { host: 'github', fullName: GITOPS },
    images: {},
    envDir: 'rf',
    receivedAt: Date.now() - 1000,
  });
  /** One worker process: its own data dir and mirrors; `reuses` records whether each checkout took an earlier fetch. */
  function worker(name: string, clock?: () => number) {
    const real = createMirrors(join(dataDir, name), clock);
    const reuses: boolean[] = [];
    const mirrors: Mirrors = {
      ...real,
      async fetchFor(remote, opts) {
        const got = await real.fetchFor(remote, opts);
        reuses.push(got.reused);
        return got;
      },
    };
    const deps = {
      config: { ...config, dataDir: join(dataDir, name) },
      providers: createProviders(config, mirrors),
      mirrors: real,
      resolveDigest: async () => {
        throw new Error('no digests here');
      },
    };
    return { deps: { ...deps, mirrors }, real, reuses };
  }

  it('same as the head in a stale mirror: fetched again, and the newer update another worker made is kept', async () => {
    const c1 = await gh.git.commit(APP, 'rf', { VERSION: '1\n' }, 'v1');
    // Worker A's clock runs far ahead: every fetch it made counts as recent enough to take.
    const a = worker('a', () => Date.now() + 3_600_000);
    assert.equal((await applyUpdate(a.deps, 'env-rf', spec(1, c1))).outcome, 'updated');
    // A's plan of a redelivered c1 has fetched (as the prefetch does)…
    const remote = await a.deps.providers.for('github').gitRemote(GITOPS);
    await a.real.fetch(remote, { branches: ['main', `dispatchd/github/${APP}/`, `dispatchd/${APP}/`] });
    // …when worker B applies the newer c2 to the same environment.
    const c2 = await gh.git.commit(APP, 'rf', { VERSION: '2\n' }, 'v2');
    const b = worker('b');
    assert.equal((await applyUpdate(b.deps, 'env-rf', spec(2, c2))).outcome, 'updated');
    const bodyAfterB = gh.pulls(GITOPS).find((p) => p.state === 'open')?.body;

    a.reuses.length = 0;
    const again = await applyUpdate(a.deps, 'env-rf', spec(3, c1));
    assert.deepEqual(a.reuses, [true, false], 'the stale fetch was taken, then the decision checked from a fresh one');
    assert.deepEqual(again, { outcome: 'superseded', branch: HEAD, carried: c2 });
    assert.match(
      (await gh.git.readFile(GITOPS, HEAD, 'rf/application.yaml')) ?? '',
      new RegExp(`reg/app:${c2.slice(0, 7)}`),
    );
    assert.equal(gh.pulls(GITOPS).find((p) => p.state === 'open')?.body, bodyAfterB, 'the PR still describes c2');
  });

  it('a push of this process ends: no fetch that started before it is taken', async () => {
    let clock = 1_000;
    const mirrors = createMirrors(join(dataDir, 'c'), () => clock);
    const remote = await createProviders(config, mirrors).for('github').gitRemote(GITOPS);
    await mirrors.fetch(remote, { branches: ['main'] });
    clock = 2_000;
    await mirrors.writing(remote, async () => undefined);
    clock = 2_500;
    assert.equal((await mirrors.fetchFor(remote, { startedSince: 0, branches: ['main'] })).reused, false);
    assert.equal((await mirrors.fetchFor(remote, { startedSince: 0, branches: ['main'] })).reused, true);
  });
});
