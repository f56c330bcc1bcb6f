import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { parseConfig } from '../../src/config/load.js';
import type { DispatchdConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver, type ReceiverOptions } from '../../src/runtime/receiver.js';
import { startWorkers, type Workers } from '../../workers/start.js';
import { dispatchfile } from '../e2e/fixtures.js';
import { githubPushBody } from '../helpers/github-push.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { githubConfigYaml } from '../helpers/github-config.js';
import { signedRequest } from '../helpers/sign.js';

export const TOKEN = 'ghp_ops_token_5c1f0b7a9e2d';
export const SECRET = 'whsec-ops-secret-8d41e6';
export const ADMIN = 'adm-ops-token-3b9f71c2a6e0d4';
export const APP = 'acme/hello-world';
export const GITOPS = 'acme/hello-world-gitops';

export const gitopsFiles = {
  'README.md': '# gitops\n',
  'staging/application.yaml.tmpl':
    'kind: Deployment\nmetadata:\n  name: hello-world\nspec:\n  image: $({ .imageName })\n',
  'production/application.yaml.tmpl':
    'kind: Deployment\nmetadata:\n  name: hello-world\nspec:\n  image: $({ .imageName })\n',
};

export interface FullStack {
  gh: GithubEmulator;
  config: DispatchdConfig;
  server: Server;
  producer: Producer;
  workers: Workers;
  /** Every JSON log line the service wrote. */
  logs: string[];
  /** Commits on the app repo and sends GitHub's signed push webhook for it. */
  push(
    branch: string,
    version: string,
    opts?: { secret?: string },
  ): Promise<{ sha: string; deliveryId: string; status: number }>;
  /** Resolves once both queues have nothing waiting, active or delayed. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real service (receiver + workers, as `dispatchd start` builds them) over a real
 * redis-server and the GitHub emulator, with an admin token. `extraYaml` is appended to the config.
 */
export async function startFullStack(
  opts: {
    extraYaml?: string;
    receiver?: ReceiverOptions;
    dispatchfileArgs?: string[];
    imageUrl?: string;
    /** The GitOps grant's promotion chains (docs/promotion.md). */
    promotions?: object[];
  } = {},
): Promise<FullStack> {
  const gh = await startGithubEmulator({ token: TOKEN });
  await gh.git.createRepo(GITOPS, { files: gitopsFiles });
  let df = dispatchfile(`${gh.url}/${GITOPS}`, 'github', opts.dispatchfileArgs ?? []);
  if (opts.imageUrl) df = df.replace(/url: registry\.example\.com\/\S+/, `url: ${opts.imageUrl}`);
  await gh.git.createRepo(APP, { files: { Dispatchfile: df, VERSION: '1\n' } });
  const redis = await startRedis();
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatchd-ops-'));
  const config = parseConfig(
    `${githubConfigYaml({
      ...{ url: gh.url, apiUrl: gh.apiUrl, token: TOKEN, secret: SECRET, repos: [APP], gitops: GITOPS, dataDir },
      ...(opts.promotions ? { promotions: opts.promotions } : {}),
    })}${opts.extraYaml ?? ''}\n`,
    {},
  );
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const producer = openProducer(redis.url);
  await producer.ready();
  const server = buildReceiver(config, producer, log, undefined, opts.receiver ?? { adminToken: ADMIN });
  const workers = await startWorkers(config, redis.url, producer, log);
  let n = 0;
  return {
    gh,
    config,
    server,
    producer,
    workers,
    logs,
    async push(branch, version, pushOpts = {}) {
      const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
      const sha = await gh.git.commit(APP, branch, { VERSION: `${version}\n` }, `Release ${version}`);
      const deliveryId = `ops-delivery-${++n}-${Date.now()}`;
      const signed = signedRequest(
        'github',
        githubPushBody({ repo: APP, branch, before, after: sha, base: gh.url, message: `Release for ${branch}` }),
        pushOpts.secret ?? SECRET,
        { event: 'push', deliveryId },
      );
      const res = await request(server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
      return { sha, deliveryId, status: res.status };
    },
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(
          [producer.events, producer.gitops].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        if (counts.every((c) => Object.values(c).every((x) => x === 0))) return;
        if (Date.now() > deadline) throw new Error(`queues not idle after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
      await workers.close();
      await producer.close();
      await redis.stop();
      await gh.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
