import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { createMirrors, type Mirrors } from '../../src/git/mirrors.js';
import type { applyUpdate } from '../../src/gitops/apply.js';
import { createProviders } from '../../src/scm/providers.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { APP, deployment, GITOPS, TOKEN } from './rig.js';

/**
 * `applyUpdate` called directly (no receiver, no queue) against the GitHub emulator: one app
 * branch `branch` deploys to the GitOps directory of the same name, through a template.
 */
export interface DirectRig {
  gh: GithubEmulator;
  /** The GitOps head branch the updates of `branch` push to. */
  head: string;
  /** The update the planner would hand the applier for app commit `sha`. */
  spec(seq: number, sha: string): EnvUpdateSpec;
  /**
   * One worker process: its own data dir and mirrors (`clock` for their notion of now).
   * `reuses` records whether each checkout took an earlier fetch.
   */
  worker(
    name: string,
    clock?: () => number,
  ): { deps: Parameters<typeof applyUpdate>[0]; real: Mirrors; reuses: boolean[] };
  close(): Promise<void>;
}

export async function startDirectRig(branch: string): Promise<DirectRig> {
  const gh = await startGithubEmulator({ token: TOKEN });
  await gh.git.createRepo(GITOPS, { files: { [`${branch}/application.yaml.tmpl`]: deployment(branch) } });
  await gh.git.createRepo(APP, { files: { VERSION: '0\n' } });
  const dataDir = await mkdtemp(join(tmpdir(), `dispatchd-direct-${branch}-`));
  const config = parseConfig(
    `hosts:\n  github:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n    token: ${TOKEN}\n    webhookSecret: s\ngitops:\n  - ` +
      `repo: github:${GITOPS}\n    allow:\n      - from: "github:acme/*"\n        branches: [${branch}]\ndataDir: ${dataDir}\n`,
    {},
  );
  return {
    gh,
    head: `dispatchd/github/${APP}/${branch}`,
    spec: (seq, sha) => ({
      seq,
      source: {
        host: 'github',
        fullName: APP,
        sha,
        ref: `refs/heads/${branch}`,
        refName: branch,
        pusher: 'alice',
        webUrl: `${gh.url}/${APP}`,
        commitUrl: `${gh.url}/${APP}/commit/${sha}`,
        deliveryId: `d-${seq}`,
      },
      task: 'deploy',
      args: [`-substitute=imageName=reg/app:${sha.slice(0, 7)}`, `-filepath=${branch}/**`],
      workingSubdir: '',
      target: { host: 'github', fullName: GITOPS },
      images: {},
      envDir: branch,
      receivedAt: Date.now() - 1000,
    }),
    worker(name, clock) {
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
      const workerConfig = { ...config, dataDir: join(dataDir, name) };
      return {
        deps: {
          config: workerConfig,
          providers: createProviders(workerConfig, mirrors),
          mirrors,
          resolveDigest: async () => {
            throw new Error('no digests here');
          },
        },
        real,
        reuses,
      };
    },
    async close() {
      await gh.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
