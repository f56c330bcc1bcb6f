import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/redis/embedded.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runCli } from './run-cli.js';

const GH_TOKEN = 'ghp_doctor_5e0c1d';
const GL_TOKEN = 'glpat-doctor-8a2f';
const CI = { user: 'ci', password: 'registry-pass-93d1' };

interface Setup {
  ghToken?: string;
  glRepo?: string;
  basicPassword?: string;
  tokenPassword?: string;
}

describe('dispatchd doctor: config, Redis, each host and repository, each registry', () => {
  let gh: GithubEmulator;
  let gl: GitlabEmulator;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let basic: TestRegistry;
  let token: TestRegistry;
  let dir: string;

  const write = async (name: string, s: Setup = {}) => {
    const path = join(dir, name);
    await writeFile(
      path,
      `
hosts:
  github:
    kind: github
    url: ${gh.url}
    apiUrl: ${gh.apiUrl}
    token: ${s.ghToken ?? GH_TOKEN}
    webhookSecret: s1
  lab:
    kind: gitlab
    url: ${gl.url}
    apiUrl: ${gl.apiUrl}
    token: ${GL_TOKEN}
    webhookSecret: s2
repositories:
  - { host: github, repo: acme/app }
  - { host: lab, repo: ${s.glRepo ?? 'team/sub/service'} }
gitops:
  - repo: github:acme/gitops
    allow: [{ from: "lab:team/**" }]
registries:
  - { host: ${basic.host}, username: ${CI.user}, password: ${s.basicPassword ?? CI.password} }
  - { host: ${token.host}, username: ${CI.user}, password: ${s.tokenPassword ?? CI.password} }
dataDir: ${dir}
`,
    );
    return path;
  };

  before(async () => {
    [gh, gl, redis, basic, token] = await Promise.all([
      startGithubEmulator({ token: GH_TOKEN }),
      startGitlabEmulator({ token: GL_TOKEN }),
      startRedis(),
      startRegistry({ htpasswd: CI }),
      startRegistry({ tokenAuth: true, htpasswd: CI }),
    ]);
    await Promise.all([
      gh.git.createRepo('acme/app'),
      gh.git.createRepo('acme/gitops'),
      gl.git.createRepo('team/sub/service'),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'dispatchd-cli-doctor-'));
  });
  after(async () => {
    await Promise.all([gh?.close(), gl?.close(), redis?.stop(), basic?.close(), token?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('all ✓ and exit 0 when everything works', async () => {
    const r = await runCli(['doctor'], { DISPATCHD_CONFIG: await write('good.yaml'), REDIS_URL: redis.url });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(!lines.some((l) => l.startsWith('✗')), r.stdout);
    for (const expected of [
      /^✓ config: .*good\.yaml is valid \(2 hosts, 2 repositories, 1 gitops grant, 2 registries\)$/,
      /^✓ redis: redis:\/\/127\.0\.0\.1:\d+ answers PING$/,
      /^✓ redis: maxmemory-policy noeviction$/,
      /^✓ github \(github at .*\): credentials work for 2 of 2 repositories$/,
      /^✓ github: acme\/app \(source\) readable, default branch main, push allowed$/,
      /^✓ github: acme\/gitops \(gitops\) readable, default branch main, push allowed$/,
      /^✓ lab: team\/sub\/service \(source\) readable, default branch main$/,
      new RegExp(`^✓ registry ${basic.host}: credentials of "ci" accepted$`),
      new RegExp(`^✓ registry ${token.host}: credentials of "ci" accepted$`),
      /^all checks passed$/,
    ])
      assert.ok(
        lines.some((l) => expected.test(l)),
        `${expected} in\n${r.stdout}`,
      );
    assert.match(r.stderr, /checking host lab…/, 'progress on stderr');
  });

  it('lists every failure with what to fix, and exits 1', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const path = await write('bad.yaml', {
      ghToken: 'ghp_revoked',
      glRepo: 'team/sub/missing',
      basicPassword: 'wrong',
      tokenPassword: 'wrong',
    });
    const r = await runCli(['doctor', '--timeout', '3000'], { DISPATCHD_CONFIG: path, REDIS_URL: deadRedis });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = r.stdout;
    assert.match(out, /^✗ redis: cannot reach redis:\/\/127\.0\.0\.1:\d+ .*\n {4}→ check REDIS_URL/m);
    assert.match(
      out,
      /^✗ github \(github at .*\): credentials rejected\n {4}→ replace hosts\.github\.token in the config$/m,
    );
    assert.match(out, /^✗ github: acme\/app \(source\): .*HTTP 401/m);
    assert.match(out, /^✗ lab: team\/sub\/missing \(source\): .*HTTP 404.*check the repository name/m);
    assert.match(
      out,
      new RegExp(
        `^✗ registry ${basic.host}: credentials of "ci" refused \\(401\\)\\n {4}→ check username and password`,
        'm',
      ),
    );
    assert.match(
      out,
      new RegExp(`^✗ registry ${token.host}: token service .* rejected the configured credentials for registry`, 'm'),
    );
    assert.match(out, /^\d+ problems to fix$/m);
  });

  it('an invalid config: every problem listed, hosts left until it is fixed', async () => {
    const path = join(dir, 'invalid.yaml');
    await writeFile(
      path,
      'hosts:\n  GitHub:\n    kind: github\n    url: not-a-url\nrepositories:\n  - { host: nowhere, repo: a/b }\n',
    );
    const r = await runCli(['doctor'], { DISPATCHD_CONFIG: path, REDIS_URL: redis.url });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^✗ config: hosts\.GitHub: host names are lower-case/m);
    assert.match(r.stdout, /^✗ config: hosts\.GitHub\.url: /m);
    assert.match(r.stdout, /^- hosts and registries not checked: fix the config first$/m);
    assert.match(r.stdout, /^✓ redis: /m, 'Redis is still checked');
  });
});
