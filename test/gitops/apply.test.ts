import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { applyUpdate } from '../../src/gitops/apply.js';
import { createMirrors, type Mirrors } from '../../src/git/mirrors.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { runGit } from '../emulators/common/git/run-git.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

describe('applyUpdate against a branch that moves', () => {
  let gh: GithubEmulator;
  let dataDir: string;

  let c4: string;
  let c5: string;

  before(async () => {
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: { 'direct/application.yaml.tmpl': deployment('direct') } });
    await gh.git.createRepo(APP, { files: { VERSION: '3\n' } });
    c4 = await gh.git.commit(APP, 'direct', { VERSION: '4\n' }, 'v4');
    c5 = await gh.git.commit(APP, 'direct', { VERSION: '5\n' }, 'v5');
    dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-apply-'));
  });
  after(async () => {
    await gh?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function spec(seq: number, sha: string, args: string[]): EnvUpdateSpec {
    return {
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
      args,
      workingSubdir: '',
      target: { host: 'github', fullName: GITOPS },
      images: {},
      envDir: 'direct',
      receivedAt: Date.now(),
    };
  }
  const args = (tag: string) => [
    `-substitute=imageName=reg/app:${tag}`,
    '-filepath=direct/**',
    '-create-pull-request=false',
  ];
  const rendered = async () => (await gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '';

  it('a non-fast-forward push to the base is refetched, re-rendered on the new base and retried; an older commit then changes nothing', async () => {
    const config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
        `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [direct]\n        modes: [direct]\ndataDir: ${dataDir}\n`,
      {},
    );
    const real = createMirrors(dataDir);
    let fetches = 0;
    // Another writer lands a commit on main right after our first fetch: our push must be rejected.
    const mirrors: Mirrors = {
      ...real,
      async fetchFor(remote, opts) {
        const fetched = await real.fetchFor(remote, opts);
        if (++fetches === 1)
          await gh.git.commit(GITOPS, 'main', { 'other/notes.md': 'someone else\n' }, 'concurrent change');
        return fetched;
      },
    };
    const deps = {
      config,
      providers: createProviders(config, mirrors),
      mirrors,
      resolveDigest: async () => {
        throw new Error('no digests here');
      },
    };
    const result = await applyUpdate(deps, 'env-direct', spec(5, c5, args('v5')));
    assert.equal(result.outcome, 'updated');
    assert.equal(fetches, 2, 'fetched again after the rejection');
    assert.equal(await gh.git.readFile(GITOPS, 'main', 'other/notes.md'), 'someone else\n', 'the other change is kept');
    assert.match(await rendered(), /image: reg\/app:v5\n/);
    const [top] = await gh.git.log(GITOPS, 'main', 1);
    assert.match(top!.message, new RegExp(`Dispatchd-Commit: ${c5}\n`));

    // Whatever its stamp: c4 is an ancestor of the c5 the environment carries, and not the tip.
    const older = await applyUpdate(deps, 'env-direct', spec(9, c4, args('v4')));
    assert.deepEqual(older, { outcome: 'superseded', branch: 'main', carried: c5 });
    assert.match(await rendered(), /image: reg\/app:v5\n/);

    // A person rewinds the branch (force-push): its new tip is applied although it is no descendant.
    const rewound = await gh.git.commit(APP, 'rewind', { VERSION: '4b\n' }, 'v4b');
    await runGit(['update-ref', 'refs/heads/direct', rewound], { cwd: gh.git.bareDir(APP) });
    const forced = await applyUpdate(deps, 'env-direct', spec(10, rewound, args('v4b')));
    assert.equal(forced.outcome, 'updated');
    assert.match(await rendered(), /image: reg\/app:v4b\n/);
  });

  it('a push the server refuses (pre-receive hook, branch protection) fails at once with its words', async () => {
    const config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
        `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [direct]\n        modes: [direct]\ndataDir: ${dataDir}\n`,
      {},
    );
    const hook = join(gh.git.bareDir(GITOPS), 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "GH006: Protected branch update failed for refs/heads/main."\nexit 1\n', {
      mode: 0o755,
    });
    const real = createMirrors(dataDir);
    let fetches = 0;
    const mirrors: Mirrors = {
      ...real,
      fetchFor: async (remote, opts) => {
        fetches++;
        return real.fetchFor(remote, opts);
      },
    };
    const deps = {
      config,
      providers: createProviders(config, mirrors),
      mirrors,
      resolveDigest: async () => {
        throw new Error('no digests here');
      },
    };
    const tip = await gh.git.commit(APP, 'direct', { VERSION: '6\n' }, 'v6');
    try {
      await assert.rejects(
        applyUpdate(deps, 'env-direct', spec(11, tip, args('v6'))),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'git_push_refused');
          assert.match(
            err.message,
            /refused by the server: GH006: Protected branch update failed for refs\/heads\/main\. \| .*pre-receive hook declined/,
          );
          return true;
        },
      );
      assert.equal(fetches, 1, 'not retried as if the branch had moved');
    } finally {
      await rm(hook, { force: true });
    }
  });

  it('a merge of the base into the PR branch (GitHub "Update branch") is not a foreign commit', async () => {
    const config = parseConfig(
      `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    ` +
        `webhookSecret: s\ngitops:\n  - repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\ndataDir: ${dataDir}\n`,
      {},
    );
    const mirrors = createMirrors(dataDir);
    const deps = {
      config,
      providers: createProviders(config, mirrors),
      mirrors,
      resolveDigest: async () => {
        throw new Error('no digests here');
      },
    };
    const prArgs = (tag: string) => [`-substitute=imageName=reg/app:${tag}`, '-filepath=direct/**'];
    const first = await gh.git.commit(APP, 'direct', { VERSION: '7\n' }, 'v7');
    const opened = await applyUpdate(deps, 'env-pr', spec(12, first, prArgs('v7')));
    assert.equal(opened.outcome, 'updated');
    const head = `dispatchd/github/${APP}/direct`;
    // The base moves, then someone presses "Update branch": a merge commit lands on the head.
    await gh.git.commit(GITOPS, 'main', { 'other/more.md': 'more\n' }, 'base moves');
    const bare = gh.git.bareDir(GITOPS);
    const headSha = (await gh.git.revParse(GITOPS, head))!;
    const tree = (await runGit(['merge-tree', '--write-tree', headSha, 'main'], { cwd: bare })).stdout
      .trim()
      .split('\n')[0]!;
    const merge = (
      await runGit(
        [
          '-c',
          'user.name=Octo Cat',
          '-c',
          'user.email=octo@example.com',
          'commit-tree',
          tree,
          '-p',
          headSha,
          '-p',
          'main',
          '-m',
          "Merge branch 'main' into " + head,
        ],
        { cwd: bare },
      )
    ).stdout.trim();
    await runGit(['update-ref', `refs/heads/${head}`, merge], { cwd: bare });
    const next = await gh.git.commit(APP, 'direct', { VERSION: '8\n' }, 'v8');
    const updated = await applyUpdate(deps, 'env-pr', spec(13, next, prArgs('v8')));
    assert.equal(updated.outcome, 'updated');
    assert.match((await gh.git.readFile(GITOPS, head, 'direct/application.yaml')) ?? '', /image: reg\/app:v8\n/);
  });
});
