import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  APP,
  deployment,
  GITOPS,
  lastStatus,
  rigDispatchfile,
  startRig,
  type Rig,
  type RigTask,
} from '../gitops/rig.js';

const HEAD = `dispatchd/github/${APP}/staging`;

/** The YAML "billion laughs": nine aliases per level, nine levels (387 420 489 leaves). */
function aliasBomb(): string {
  const lines = ['#!mesosphere/dispatch-yaml:v0.6', 'a0: &a0 ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i += 1)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Hostile Dispatchfiles pushed as an attacker would (a branch of a served repository and its
 * signed push webhook), through the real receiver, workers, Redis and the GitHub emulator. Each is
 * refused as a Dispatchfile problem on the pushed commit, naming the limit; the service keeps
 * answering and the next legitimate push still deploys.
 */
describe('hostile Dispatchfiles through the receiver and workers', { timeout: 240_000 }, () => {
  let rig: Rig;
  const tasks: RigTask[] = [
    {
      name: 'deploy',
      branches: ['staging'],
      args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
    },
  ];

  before(async () => {
    rig = await startRig({
      gitopsFiles: { 'staging/application.yaml.tmpl': deployment('staging') },
      tasks,
      extraConfig: 'publicUrl: https://dispatchd.example.com\n',
    });
  });
  after(async () => rig?.close());

  /** Commits `files` on `branch`, delivers the push, probes /healthz until idle; the max probe time. */
  async function pushAndProbe(
    branch: string,
    files: Record<string, string>,
  ): Promise<{ sha: string; worstMs: number }> {
    const before = (await rig.gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
    const sha = await rig.gh.git.commit(APP, branch, files, `hostile ${branch}`);
    assert.equal((await rig.deliver(branch, before, sha)).status, 202);
    let worstMs = 0;
    let idle = false;
    const done = rig.stack.idle(60_000).then(() => (idle = true));
    while (!idle) {
      const t0 = performance.now();
      assert.equal((await request(rig.stack.server).get('/healthz')).status, 200);
      worstMs = Math.max(worstMs, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    await done;
    return { sha, worstMs };
  }

  const failure = (sha: string) => lastStatus(rig.gh, sha, 'dispatchd');

  it('a 500-byte YAML alias bomb is refused at the alias that passes the expansion limit', async (t) => {
    const bomb = aliasBomb();
    assert.ok(bomb.length < 600, `the bomb is ${bomb.length} bytes`);
    const { sha, worstMs } = await pushAndProbe('bomb', { Dispatchfile: bomb });
    t.diagnostic(`worst /healthz answer while the bomb was planned: ${worstMs.toFixed(1)} ms`);
    const status = failure(sha);
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /alias/);
    assert.match(status?.targetUrl ?? '', /^https:\/\/dispatchd\.example\.com\/#delivery=/);
  });

  it('a Dispatchfile over dispatchfileMaxBytes (24 MiB) is refused naming the limit, read only up to it', async () => {
    const line = `# ${'x'.repeat(97)}\n`;
    const { sha } = await pushAndProbe('big', { Dispatchfile: line.repeat((24 * 1024 * 1024) / line.length) });
    const status = failure(sha);
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /over the 256 KiB \(262144 bytes\) limit/);
  });

  it('5 000 backtracking globs against a long branch name run out the match budget instead of the CPU', async () => {
    const branch = `${'a'.repeat(200)}`;
    const globs = Array.from({ length: 5_000 }, (_, i) => `*a*a*a*a*a*a*a*a*a*a*b${i}`);
    const df = rigDispatchfile(`${rig.gh.url}/${GITOPS}`, {
      tasks: [{ ...tasks[0]!, branches: globs }],
      gitopsFiles: {},
    });
    const { sha } = await pushAndProbe(branch, { Dispatchfile: df });
    const status = failure(sha);
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /too costly to evaluate/);
  });

  it("a refusal that names the configured API endpoint says so on the commit without the host's address", async () => {
    const df = rigDispatchfile(`${rig.gh.url}/${GITOPS}`, {
      tasks: [{ ...tasks[0]!, branches: ['probe'], args: [...tasks[0]!.args, '-api-endpoint=https://evil.example'] }],
      gitopsFiles: {},
    });
    const { sha } = await pushAndProbe('probe', { Dispatchfile: df });
    const status = failure(sha);
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /-api-endpoint=<url> is not the configured apiUrl/);
    const said = status?.description ?? '';
    const apiHost = new URL(rig.gh.apiUrl).host;
    assert.ok(!said.includes(apiHost), `the status names ${apiHost}: ${said}`);
    assert.ok(!said.includes('127.0.0.1'), said);
  });

  it('after all of them, a legitimate push still opens the staging pull request', async () => {
    const { sha, status } = await rig.push('staging', '2.0.0');
    assert.equal(status, 202);
    await rig.stack.idle(60_000);
    assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
    assert.match((await rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml')) ?? '', /image: .*hello-world/);
  });
});
