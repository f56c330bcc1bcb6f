import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { dispatchfile, gitopsFiles } from '../../test/e2e/fixtures.js';
import { startGithubEmulator, type GithubEmulator } from '../../test/emulators/github/emulator.js';
import type { ApiCall } from '../../test/emulators/common/call-log.js';
import { signedRequest } from '../../test/helpers/sign.js';
import { startStack, type Stack } from '../../test/helpers/stack.js';
import { githubConfigYaml } from '../../test/helpers/github-config.js';
import { githubPushBody } from '../../test/helpers/github-push.js';

export const TOKEN = 'ghp_bench_token_value_1234567890';
const SECRET = 'bench-webhook-secret';
export const APP = 'acme/hello-world';
export const GITOPS = 'acme/hello-world-gitops';

/** Something the emulator saw, in ms since the rig's clock origin. */
export type RigEvent =
  | { kind: 'api'; at: number; route: string; status: number }
  | { kind: 'git'; at: number; end: number; service: string; method: string };

export interface Rig {
  gh: GithubEmulator;
  stack: Stack;
  /** Everything the emulator answered since start, in order of completion. */
  events: RigEvent[];
  /** Called for every API call as it is answered. */
  onApi(fn: ((call: ApiCall, at: number) => void) | undefined): void;
  /** Commits a new VERSION on `branch` of the app repo (as a developer's push would). */
  commit(branch: string, version: string): Promise<{ sha: string; before: string }>;
  /** Sends the signed push webhook GitHub would send for that commit; returns the HTTP status. */
  deliver(branch: string, before: string, sha: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The real service (receiver + workers over a real redis-server, from test/helpers/stack.ts)
 * behind a listening socket, and the GitHub emulator, set up as the end-to-end test sets them
 * up. The emulator (test code) is tapped to time what it answers. `apiLatencyMs` delays each of
 * its API answers (not git), as a remote SCM would (`--api-latency`).
 */
export async function startRig(opts: { apiLatencyMs?: number } = {}): Promise<Rig> {
  const gh = await startGithubEmulator({ token: TOKEN, latencyMs: opts.apiLatencyMs ?? 0 });
  await gh.git.createRepo(GITOPS, { files: gitopsFiles });
  await gh.git.createRepo(APP, {
    files: { Dispatchfile: dispatchfile(`${gh.url}/${GITOPS}`, 'github'), VERSION: '0\n' },
  });
  const stack = await startStack(
    githubConfigYaml({ url: gh.url, apiUrl: gh.apiUrl, token: TOKEN, secret: SECRET, repos: [APP], gitops: GITOPS }),
  );
  await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}/hooks/github`;

  const events: RigEvent[] = [];
  let listener: ((call: ApiCall, at: number) => void) | undefined;
  // The call log records a call just before answering it: that instant is when the SCM has it.
  const calls = gh.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: ApiCall[]) => {
    const at = performance.now();
    for (const c of items) {
      events.push({ kind: 'api', at, route: c.route, status: c.status });
      listener?.(c, at);
    }
    return push(...items);
  };
  const handle = gh.git.handle.bind(gh.git);
  gh.git.handle = async (req, res) => {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://rig');
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    const handled = await handle(req, res);
    // API requests pass through here first; only what git served is a git event.
    if (handled) {
      const done = () => events.push({ kind: 'git', at, end: performance.now(), service, method: req.method ?? '' });
      if (res.writableFinished) done();
      else res.once('finish', done);
    }
    return handled;
  };

  let delivery = 0;
  return {
    gh,
    stack,
    events,
    onApi: (fn) => {
      listener = fn;
    },
    async commit(branch, version) {
      const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
      const sha = await gh.git.commit(APP, branch, { VERSION: `${version}\n` }, `Release ${version}`);
      return { sha, before };
    },
    async deliver(branch, before, sha) {
      const body = githubPushBody({ repo: APP, branch, before, after: sha, base: gh.url });
      const signed = signedRequest('github', body, SECRET, { event: 'push', deliveryId: `bench-${++delivery}` });
      const res = await fetch(hookUrl, { method: 'POST', headers: signed.headers, body });
      await res.arrayBuffer();
      return res.status;
    },
    async close() {
      stack.server.closeAllConnections();
      await new Promise<void>((r) => stack.server.close(() => r()));
      await stack.stop();
      await gh.close();
    },
  };
}
