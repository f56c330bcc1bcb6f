import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { keys } from '../../src/queue/names.js';
import { startGithubEmulator, type GithubEmulator } from '../../test/emulators/github/emulator.js';
import { signedRequest } from '../../test/helpers/sign.js';
import { githubPushBody } from '../../test/helpers/github-push.js';
import { startRedis } from '../../test/helpers/redis.js';
import { startTsChild, type ServingChild } from '../lib/child.js';

const TOKEN = 'ghp_bench_token_value_1234567890';
const SECRET = 'bench-webhook-secret';

/** App repository i deploys to GitOps repository `gitopsOf(i)`, one directory per branch. */
export interface FleetSpec {
  /** App repositories acme/app-<i>. */
  apps: number;
  /** GitOps repositories acme/gitops-<i>; app i deploys to gitops-(i mod gitops). */
  gitops: number;
  /** Branches each app deploys (and directories each GitOps repo has): env-0 … env-(n-1). */
  branches: number;
}

export const appName = (i: number) => `acme/app-${i}`;
export const gitopsName = (i: number) => `acme/gitops-${i}`;
export const branchName = (i: number) => `env-${i}`;

const dispatchfile = (gitopsUrl: string, branches: string[]) => `#!yaml
resource:
  docker-image:
    type: image
    param:
      url: registry.example.com/acme/app:$(context.build.name)-$(context.git.commit)
  gitops-git:
    type: git
    param:
      url: ${gitopsUrl}
task:
  deploy:
    inputs: [docker-image, gitops-git]
    steps:
      - name: update-gitops-repo
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: /workspace/gitops-git
        args:
          - -git-revision=$(context.git.commit)
          - -substitute=imageName=$(inputs.resources.docker-image.url)
          - -filepath=$(context.build.name)/**
          - -scm-provider=github
actions:
  - tasks: [deploy]
    on:
      push:
        branches: ${JSON.stringify(branches)}
`;

const template = (env: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: ${env}\nspec:\n  template:\n` +
  `    spec:\n      containers:\n        - name: app\n          image: $({ .imageName })\n`;

function configYaml(gh: GithubEmulator, spec: FleetSpec, dataDir: string): string {
  const repos = Array.from({ length: spec.apps }, (_, i) => `  - host: github\n    repo: ${appName(i)}`);
  const grants = Array.from(
    { length: spec.gitops },
    (_, i) =>
      `  - repo: github:${gitopsName(i)}\n    allow:\n      - from: "github:acme/*"\n        paths: ["env-*/**"]`,
  );
  return `
hosts:
  github:
    kind: github
    url: ${gh.url}
    apiUrl: ${gh.apiUrl}
    token: ${TOKEN}
    webhookSecret: ${SECRET}
repositories:
${repos.join('\n')}
gitops:
${grants.join('\n')}
dataDir: ${dataDir}
`;
}

export interface Fleet {
  gh: GithubEmulator;
  redisUrl: string;
  producer: Producer;
  /** The worker processes, each with a data dir (its GitOps mirrors) of its own. */
  workers: ServingChild[];
  dataDirs: string[];
  /** Commits a new VERSION on `branch` of app i (as a developer's push would). */
  commit(app: number, branch: string, version: string): Promise<{ sha: string; before: string }>;
  /** Sends the signed push webhook GitHub would send for that commit; returns the HTTP status. */
  deliver(app: number, branch: string, before: string, sha: string): Promise<number>;
  /** Whether app i's commit has its final deploy status (set once its PR is created or updated); throws on a failure status. */
  settled(app: number, sha: string): boolean;
  /** Resolves once the inbox is drained and no job waits or runs. */
  idle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The GitHub emulator with `spec`'s repositories, one redis-server, the real receiver in this
 * process and `workers` worker processes (bench/scale/worker-process.ts: `startWorkers` with the
 * inbox pump, as `dispatchd worker` runs them), each over its own data dir.
 */
export async function startFleet(spec: FleetSpec, workers: number): Promise<Fleet> {
  const gh = await startGithubEmulator({ token: TOKEN });
  const branches = Array.from({ length: spec.branches }, (_, i) => branchName(i));
  for (let g = 0; g < spec.gitops; g++)
    await gh.git.createRepo(gitopsName(g), {
      files: Object.fromEntries(branches.map((b) => [`${b}/application.yaml.tmpl`, template(b)])),
    });
  for (let a = 0; a < spec.apps; a++)
    await gh.git.createRepo(appName(a), {
      files: { Dispatchfile: dispatchfile(`${gh.url}/${gitopsName(a % spec.gitops)}`, branches), VERSION: '0\n' },
    });
  const redis = await startRedis();
  const root = await mkdtemp(join(tmpdir(), 'dispatchd-bench-fleet-'));
  const quiet = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const producer = openProducer(redis.url);
  await producer.ready();
  const server = buildReceiver(parseConfig(configYaml(gh, spec, join(root, 'receiver')), {}), producer, quiet);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github`;
  const children: ServingChild[] = [];
  const dataDirs: string[] = [];
  try {
    for (let w = 0; w < workers; w++) {
      const dataDir = join(root, `worker-${w}`);
      await mkdir(dataDir, { recursive: true });
      const configPath = join(root, `worker-${w}.yaml`);
      await writeFile(configPath, configYaml(gh, spec, dataDir));
      dataDirs.push(dataDir);
      children.push(
        await startTsChild(new URL('./worker-process.ts', import.meta.url), [configPath, redis.url], 60_000),
      );
    }
  } catch (err) {
    for (const c of children) await c.stop();
    throw err;
  }
  let delivery = 0;
  return {
    gh,
    redisUrl: redis.url,
    producer,
    workers: children,
    dataDirs,
    async commit(app, branch, version) {
      const repo = appName(app);
      const before = (await gh.git.revParse(repo, branch)) ?? '0'.repeat(40);
      const sha = await gh.git.commit(repo, branch, { VERSION: `${version}\n` }, `Release ${version}`);
      return { sha, before };
    },
    async deliver(app, branch, before, sha) {
      const body = githubPushBody({ repo: appName(app), branch, before, after: sha, base: gh.url });
      const signed = signedRequest('github', body, SECRET, { event: 'push', deliveryId: `fleet-${++delivery}` });
      const res = await fetch(hookUrl, { method: 'POST', headers: signed.headers, body });
      await res.arrayBuffer();
      return res.status;
    },
    settled(app, sha) {
      const statuses = gh.statuses(appName(app), sha);
      // A failure anywhere ends the bench now, saying why, instead of at its timeout.
      const failed = statuses.find((s) => s.state === 'failure' || s.state === 'error');
      if (failed)
        throw new Error(`${appName(app)}@${sha.slice(0, 7)}: ${failed.context} ${failed.state}: ${failed.description}`);
      return statuses.some((s) => s.context === 'dispatchd/deploy' && s.state !== 'pending');
    },
    async idle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(
          [producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        const busy = counts.some((c) => Object.values(c).some((n) => n > 0));
        if (!busy && (await producer.redis.xlen(keys.inbox())) === 0) return;
        if (Date.now() > deadline) throw new Error(`fleet not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      for (const c of children) await c.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await producer.close();
      await redis.stop();
      await gh.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
