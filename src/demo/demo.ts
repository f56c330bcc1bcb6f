import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { parseConfig } from '../config/load.js';
import type { DispatchdConfig } from '../config/schema.js';
import { git } from '../git/run.js';
import { appFiles, gitopsFiles } from './files.js';
import { createBareRepo, installHook, pushChange } from './repos.js';

export interface DemoLayout {
  dir: string;
  config: DispatchdConfig;
  appBare: string;
  gitopsBare: string;
  appWork: string;
}

const hookScript = () => join(packageRoot(), 'scripts', 'git-post-receive.mjs');

/** Lays out the offline demo under `<dataDir>/demo`, afresh each time. */
export async function prepareDemo(dataDir: string): Promise<DemoLayout> {
  const dir = resolve(dataDir, 'demo');
  await rm(dir, { recursive: true, force: true });
  const repos = join(dir, 'repos');
  const appBare = join(repos, 'acme', 'app.git');
  const gitopsBare = join(repos, 'acme', 'app-gitops.git');
  const gitopsUrl = `file://${repos}/acme/app-gitops.git`;
  await createBareRepo(gitopsBare, gitopsFiles(), join(dir, 'work', 'gitops'));
  await createBareRepo(appBare, appFiles(gitopsUrl), join(dir, 'work', 'app'));
  const secret = randomBytes(16).toString('hex');
  const config = parseConfig(
    `hosts:
  local:
    kind: git
    url: file://${repos}
    webhookSecret: ${secret}
repositories:
  - host: local
    repo: acme/app.git
gitops:
  - repo: local:acme/app-gitops.git
    allow:
      - from: "local:acme/*"
        paths: ["staging/**", "production/**"]
dataDir: ${join(dir, 'data')}
`,
    {},
    'demo config',
  );
  return { dir, config, appBare, gitopsBare, appWork: join(dir, 'work', 'app') };
}

/** Points the app repository's post-receive hook at a listening receiver. */
export function connectDemo(layout: DemoLayout, receiverUrl: string): Promise<void> {
  const secret = layout.config.hosts.local!.webhookSecret![0]!;
  return installHook(layout.appBare, hookScript(), { url: `${receiverUrl}/hooks/local`, secret, repo: 'acme/app.git' });
}

export const headBranch = (env: string) => `dispatchd/local/acme/app.git/${env}`;

/**
 * Pushes a release to `env` and waits until the GitOps repo's head branch carries it; returns
 * what a person would look at: the commit and the rendered file.
 */
export async function demoPush(
  layout: DemoLayout,
  env: string,
  version: string,
  timeoutMs = 60_000,
): Promise<{ sha: string; show: string; rendered: string }> {
  const { sha } = await pushChange(layout.appWork, env, version);
  const branch = headBranch(env);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await git(
      ['log', '-1', '--format=%(trailers:key=Dispatchd-Commit,valueonly)', `refs/heads/${branch}`],
      { cwd: layout.gitopsBare },
    ).catch(() => '');
    if (log.trim() === sha) break;
    if (Date.now() > deadline)
      throw new Error(`no GitOps update for ${sha.slice(0, 7)} on ${branch} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const show = await git(['show', '--stat', '--format=commit %H%n%n    %s%n%n%b', `refs/heads/${branch}`], {
    cwd: layout.gitopsBare,
  });
  const rendered = await git(['show', `refs/heads/${branch}:${env}/application.yaml`], { cwd: layout.gitopsBare });
  return { sha, show, rendered };
}
