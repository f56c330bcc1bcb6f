import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { applyUpdate, type ApplyDeps } from '../../src/gitops/apply.js';
import { createMirrors } from '../../src/git/mirrors.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

const COMPARE = 'GET /repos/{owner}/{repo}/compare/{basehead}';

/**
 * The forward-only question is asked beside the fetch, about the commit the mirror carried
 * before fetching (src/gitops/update/checkout.ts). Its answer must be used only when the fetched
 * mirror carries that same commit: here another dispatchd (its own mirrors) moves the
 * environment ahead between two updates, and the early "yes, forward" about the old commit
 * must not move the environment back.
 */
describe('the early forward-only check', { timeout: 60_000 }, () => {
  let gh: GithubEmulator;
  const dirs: string[] = [];
  const commits: string[] = [];

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'direct/application.yaml.tmpl': deployment('direct') } });
    await gh.git.createRepo(APP, { files: { VERSION: '0\n' } });
    for (const v of ['1', '2', '3', '4'])
      commits.push(await gh.git.commit(APP, 'direct', { VERSION: `${v}\n` }, `v${v}`));
  });
  after(async () => {
    await gh?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** One dispatchd's update machinery, with mirrors of its own. */
  const instance = async (): Promise<ApplyDeps> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-early-'));
    dirs.push(dataDir);
    const config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
        `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [direct]\n        modes: [direct]\ndataDir: ${dataDir}\n`,
      {},
    );
    const mirrors = createMirrors(dataDir);
    return {
      config,
      providers: createProviders(config, mirrors),
      mirrors,
      resolveDigest: async () => {
        throw new Error('no digests here');
      },
    };
  };
  const spec = (seq: number, sha: string): EnvUpdateSpec => ({
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
    args: [`-substitute=imageName=reg/app:${sha}`, '-filepath=direct/**', '-create-pull-request=false'],
    workingSubdir: '',
    target: { host: 'github', fullName: GITOPS },
    images: {},
    envDir: 'direct',
    receivedAt: Date.now(),
  });
  const carriedImage = async () =>
    /image: reg\/app:(\w+)/.exec((await gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '')?.[1];

  it('is not used when another writer moved the environment meanwhile; it is, once the mirror agrees', async () => {
    const [c1, c2, c3, c4] = commits as [string, string, string, string];
    const ours = await instance();
    const theirs = await instance();
    assert.equal((await applyUpdate(ours, 'env-direct', spec(1, c1))).outcome, 'updated');
    // Another dispatchd applies c3: the remote carries c3, our mirror still says c1.
    assert.equal((await applyUpdate(theirs, 'env-direct', spec(3, c3))).outcome, 'updated');
    assert.equal(await carriedImage(), c3);

    // c2 descends from c1 (what our mirror carried) but not from c3: it must not be applied.
    const before = gh.count(COMPARE);
    const late = await applyUpdate(ours, 'env-direct', spec(2, c2));
    assert.deepEqual(late, { outcome: 'superseded', branch: 'main', carried: c3 });
    assert.equal(await carriedImage(), c3, 'the environment did not move back');
    assert.equal(gh.count(COMPARE) - before, 2, 'asked early about c1, then again about c3');

    // Our mirror now agrees with the remote: the early answer is the one used, one question.
    const steady = gh.count(COMPARE);
    assert.equal((await applyUpdate(ours, 'env-direct', spec(4, c4))).outcome, 'updated');
    assert.equal(await carriedImage(), c4);
    assert.equal(gh.count(COMPARE) - steady, 1);
  });
});
