/**
 * `dispatchd start` as a user runs it: the BUILT CLI, started from a directory of their own with a
 * relative DISPATCHD_CONFIG holding only what the README's example shows (no dataDir, so the
 * default `.dispatchd`, relative to that directory), no REDIS_URL (the embedded redis-server).
 * Every other test passes an absolute data dir; this one caught GitOps updates failing when the
 * work tree was created relative to the mirror and read relative to the process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { APP, deployment, GITOPS, rigDispatchfile } from '../gitops/rig.js';
import { githubPushBody } from '../helpers/github-push.js';
import { REPO_ROOT as ROOT } from '../helpers/node-entry.js';
import { signedRequest } from '../helpers/sign.js';

const MAIN = join(ROOT, 'dist/src/cli/main.js');
const TOKEN = 'ghp_start_from_cwd_token_0123456789';
const SECRET = 'start-from-cwd-webhook-secret';
const ADMIN = 'start-from-cwd-admin-token';
const HEAD = `dispatchd/github/${APP}/staging`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Newest modification time of the .ts files under `dir`. */
function newestTs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (`tsc -p tsconfig.json`, what `npm run build` runs) when it is missing or older than the sources. */
function ensureBuilt(): void {
  const sources = Math.max(newestTs(join(ROOT, 'src')), newestTs(join(ROOT, 'workers')));
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < sources) {
    throw new Error(`npm run build did not produce ${MAIN} (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  // tsc still writes dist/ when it reports type errors (others may be mid-edit); a broken build shows below.
  if (r.status !== 0) console.log(`tsc -p tsconfig.json exited ${r.status} but wrote dist/:\n${r.stdout}`);
}

/** What a user writes, following the README's configuration example, pointed at the emulator. */
const configYaml = (gh: GithubEmulator) => `hosts:
  github:
    kind: github
    url: ${gh.url}
    apiUrl: ${gh.apiUrl}
    token: \${GITHUB_TOKEN}
    webhookSecret: \${GITHUB_WEBHOOK_SECRET}
repositories:
  - host: github
    repo: ${APP}
gitops:
  - repo: github:${GITOPS}
    allow:
      - from: "github:${APP}"
        paths: ["staging/**"]
`;

describe('`dispatchd start` from a directory of its own, on the defaults', () => {
  let gh: GithubEmulator;
  let cwd: string;
  let child: ChildProcess | undefined;
  let out = '';
  let url = '';

  before(
    async () => {
      ensureBuilt();
      gh = await startGithubEmulator({ token: TOKEN });
      await gh.git.createRepo(GITOPS, {
        files: { 'README.md': '# gitops\n', 'staging/application.yaml.tmpl': deployment('staging') },
      });
      const dispatchfile = rigDispatchfile(`${gh.url}/${GITOPS}`, {
        gitopsFiles: {},
        tasks: [
          {
            name: 'deploy',
            branches: ['staging'],
            args: [
              '-git-revision=$(context.git.commit)',
              '-substitute=imageName=$(inputs.resources.docker-image.url)',
              '-filepath=$(context.build.name)/**',
            ],
          },
        ],
      });
      await gh.git.createRepo(APP, { files: { Dispatchfile: dispatchfile, VERSION: '1\n' } });
      cwd = await mkdtemp(join(tmpdir(), 'dispatchd-cwd-'));
      await writeFile(join(cwd, 'dispatchd.yaml'), configYaml(gh));
    },
    { timeout: 300_000 },
  );

  after(async () => {
    // Its own process group: the embedded redis-server goes with it, even when a test failed.
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await gh?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('comes up on its embedded Redis and turns a signed push into a pull request', { timeout: 180_000 }, async () => {
    child = spawn(process.execPath, [MAIN, 'start'], {
      cwd,
      // As a user's shell would have it: no REDIS_URL, no DISPATCHD_DATA_DIR, a relative config path.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? cwd,
        DISPATCHD_CONFIG: 'dispatchd.yaml',
        PORT: '0',
        HOST: '127.0.0.1',
        DISPATCHD_ADMIN_TOKEN: ADMIN,
        GITHUB_TOKEN: TOKEN,
        GITHUB_WEBHOOK_SECRET: SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const up = Date.now() + 60_000;
    for (;;) {
      const m = /dispatchd start listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        url = m[1]!;
        break;
      }
      assert.ok(
        child.exitCode === null && child.signalCode === null,
        `dispatchd start exited (${child.exitCode ?? child.signalCode}):\n${out}`,
      );
      assert.ok(Date.now() < up, `dispatchd start not listening within 60 s:\n${out}`);
      await sleep(50);
    }
    assert.match(out, /Embedded redis-server on redis:\/\/127\.0\.0\.1:\d+/);

    const before = (await gh.git.revParse(APP, 'staging')) ?? '0'.repeat(40);
    const sha = await gh.git.commit(APP, 'staging', { VERSION: '1.1.0\n' }, 'Release 1.1.0');
    const signed = signedRequest(
      'github',
      githubPushBody({ repo: APP, branch: 'staging', before, after: sha, base: gh.url }),
      SECRET,
      {
        event: 'push',
        deliveryId: 'start-from-cwd-1',
      },
    );
    const res = await fetch(`${url}/hooks/github`, {
      method: 'POST',
      headers: signed.headers,
      body: new Uint8Array(signed.rawBody),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 202, await res.text());

    const deadline = Date.now() + 90_000;
    let rendered: string | null = null;
    for (;;) {
      const pr = gh.pulls(GITOPS).find((p) => p.state === 'open' && p.head === HEAD);
      rendered = pr ? await gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml') : null;
      if (rendered?.includes(sha)) break;
      assert.ok(
        Date.now() < deadline,
        `no pull request with the pushed commit within 90 s; PRs: ${JSON.stringify(gh.pulls(GITOPS))}\n${out}`,
      );
      await sleep(200);
    }
    assert.match(rendered ?? '', new RegExp(`image: registry\\.example\\.com/acme/hello-world:staging-${sha}\\n`));
    // The default data dir is where the user started it.
    assert.ok(
      (await stat(join(cwd, '.dispatchd'))).isDirectory(),
      '.dispatchd/ in the directory dispatchd was started from',
    );
    assert.ok(
      (await stat(join(cwd, '.dispatchd', 'redis'))).isDirectory(),
      'the embedded Redis keeps its data under .dispatchd/redis',
    );
  });

  it('SIGTERM: exits 0 and stops its embedded redis-server', { timeout: 60_000 }, async () => {
    assert.ok(child && child.exitCode === null, `dispatchd start is not running:\n${out}`);
    const port = Number(/Embedded redis-server on redis:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const t0 = Date.now();
    child.kill('SIGTERM');
    let bound: NodeJS.Timeout | undefined;
    const [code, signal] = await Promise.race([
      exited,
      new Promise<[null, string]>((r) => {
        bound = setTimeout(() => r([null, 'not exited within 30 s']), 30_000);
      }),
    ]);
    clearTimeout(bound);
    assert.deepEqual([code, signal], [0, null], `after SIGTERM:\n${out}`);
    console.log(`start-from-cwd: exited 0 ${Date.now() - t0} ms after SIGTERM`);
    const refused = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res(false);
      });
      s.once('error', () => res(true));
    });
    assert.ok(refused, `the embedded redis-server still answers on ${port} after dispatchd exited`);
  });
});
