import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import type { DeliveryRecord, DeliveryStatus } from '../../src/audit/record.js';
import { createLogger } from '../../src/log/logger.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { deployment, rigDispatchfile } from '../gitops/rig.js';
import { githubPushBody } from '../helpers/github-push.js';
import { githubConfigYaml } from '../helpers/github-config.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

export const TOKEN = 'ghp_retry_rig_token_5e0c9a71';
export const SECRET = 'retry-rig-webhook-secret';
export const ADMIN = 'retry-rig-admin-token-2f8d';
export const APP = 'acme/hello-world';
export const GITOPS = 'acme/hello-world-gitops';
/** Each branch deploys to the directory of its name. */
export const BRANCHES = ['staging', 'production', 'qa'] as const;

/** What the proxy answers instead of forwarding a call, as GitHub words it. */
export interface Refusal {
  status: number;
  message: string;
}

export interface RetryRig {
  gh: GithubEmulator;
  stack: Stack;
  /** The receiver as `dispatchd start` builds it, with the admin token; listening at `url`. */
  server: Server;
  url: string;
  /**
   * Answers the API calls `fn` picks with its refusal (a genuine GitHub error body) instead of
   * forwarding them to the emulator; `undefined` forwards everything again. The emulator's own
   * fault injection words every 403 as a secondary rate limit (a passing fault): this is how a
   * permanent 403, "Resource not accessible by integration", is had.
   */
  refuse(fn?: (method: string, path: string) => Refusal | undefined): void;
  /** Commits on the app repo and sends GitHub's push webhook for it. */
  push(branch: string, version: string): Promise<{ sha: string; id: string; deliveryId: string }>;
  /** Commits on the app repo without a webhook: the branch's tip moves on quietly. */
  commit(branch: string, version: string): Promise<string>;
  record(id: string): Promise<DeliveryRecord>;
  /** Waits until the delivery has `status`; fails naming the status it has. */
  waitFor(id: string, status: DeliveryStatus, timeoutMs?: number): Promise<DeliveryRecord>;
  /** POST /api/deliveries/:id/retry with the admin token. */
  retry(id: string): Promise<request.Response>;
  /** The rendered file of `dir` on its PR's head branch. */
  rendered(dir: string): Promise<string>;
  close(): Promise<void>;
}

export const headBranch = (dir: string) => `dispatchd/github/${APP}/${dir}`;
export const imageOf = (dir: string, sha: string) => `image: registry.example.com/acme/hello-world:${dir}-${sha}\n`;

/**
 * The real service (receiver with the admin token + workers over redis-server) and the GitHub
 * emulator holding the app and its GitOps repo; the API calls go through a proxy that can refuse
 * them. `extraConfig` is appended to the service's YAML (e.g. a short `retry` horizon).
 */
export async function startRetryRig(opts: { extraConfig?: string } = {}): Promise<RetryRig> {
  const gh = await startGithubEmulator({ token: TOKEN });
  const files: Record<string, string> = { 'README.md': '# gitops\n' };
  for (const b of BRANCHES) files[`${b}/application.yaml.tmpl`] = deployment(b);
  await gh.git.createRepo(GITOPS, { files });
  const df = rigDispatchfile(`${gh.url}/${GITOPS}`, {
    gitopsFiles: files,
    tasks: [
      {
        name: 'deploy',
        branches: [...BRANCHES],
        args: [
          '-git-revision=$(context.git.commit)',
          '-substitute=imageName=$(inputs.resources.docker-image.url)',
          '-filepath=$(context.build.name)/**',
        ],
      },
    ],
  });
  await gh.git.createRepo(APP, { files: { Dispatchfile: df, VERSION: '1\n' } });

  let refusal: ((method: string, path: string) => Refusal | undefined) | undefined;
  const upstream = new URL(gh.url);
  const proxy = createServer((req, res) => {
    const r = refusal?.(req.method ?? 'GET', req.url ?? '/');
    if (r) {
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          message: r.message,
          documentation_url: 'https://docs.github.com/rest',
          status: String(r.status),
        }),
      );
      return;
    }
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (u) => {
        res.writeHead(u.statusCode ?? 502, u.headers);
        u.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `proxy: ${err.message}` }));
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/v3`;

  const stack = await startStack(
    `${githubConfigYaml({ url: gh.url, apiUrl, token: TOKEN, secret: SECRET, repos: [APP], gitops: GITOPS, grantPaths: ['**'] })}${opts.extraConfig ?? ''}\n`,
  );
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        stack.logs.push(String(chunk));
        cb();
      },
    }),
  });
  const server = buildReceiver(stack.config, stack.producer, log, undefined, { adminToken: ADMIN });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${ADMIN}` };

  let n = 0;
  const commit = (branch: string, version: string) =>
    gh.git.commit(APP, branch, { VERSION: `${version}\n` }, `Release ${version}`);
  const record = async (id: string) => {
    const res = await request(server)
      .get(`/api/deliveries/${encodeURIComponent(id)}`)
      .set(auth);
    if (res.status !== 200)
      throw new Error(`GET /api/deliveries/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as DeliveryRecord;
  };
  return {
    gh,
    stack,
    server,
    url,
    refuse(fn) {
      refusal = fn;
    },
    commit,
    async push(branch, version) {
      const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
      const sha = await commit(branch, version);
      const deliveryId = `retry-rig-${++n}-${sha.slice(0, 8)}`;
      const signed = signedRequest(
        'github',
        githubPushBody({ repo: APP, branch, before, after: sha, base: gh.url }),
        SECRET,
        {
          event: 'push',
          deliveryId,
        },
      );
      const res = await request(server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
      return { sha, deliveryId, id: `github:${deliveryId}` };
    },
    record,
    async waitFor(id, status, timeoutMs = 30_000) {
      let last: DeliveryRecord | undefined;
      try {
        return await eventually(
          async () => {
            last = await record(id);
            return last.status === status ? last : undefined;
          },
          timeoutMs,
          `${id} to be ${status}`,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; it is ${last?.status}: ${JSON.stringify(last)}`);
      }
    },
    retry(id) {
      return request(server)
        .post(`/api/deliveries/${encodeURIComponent(id)}/retry`)
        .set(auth);
    },
    async rendered(dir) {
      return (await gh.git.readFile(GITOPS, headBranch(dir), `${dir}/application.yaml`)) ?? '';
    },
    async close() {
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
      await stack.stop();
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await gh.close();
    },
  };
}
