import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HostConfig } from '../../../src/config/schema.js';
import { DispatchError, PermanentError, TransientError } from '../../../src/core/errors.js';
import { createMirrors } from '../../../src/git/mirrors.js';
import type { ScmProvider } from '../../../src/scm/contracts.js';
import { plainGitProvider } from '../../../src/scm/plain-git/provider.js';
import { startGitServer, type GitServer } from '../../helpers/git-server.js';
import { pullRequestTests } from '../pull-request-suite.js';
import { boundedReadTests } from '../read-suite.js';
import { refTipAndCompareTests, TIMEOUT } from '../ref-suite.js';

const USER = 'deploy';
const PASSWORD = 'git-provider-password';

async function rejection(p: Promise<unknown>): Promise<DispatchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DispatchError) return e;
    throw e;
  }
  return assert.fail('expected the call to fail');
}

describe('Plain git provider: refTip through ls-remote, compare in the mirror', { timeout: 120_000 }, () => {
  let server: GitServer;
  let dataDir: string;
  let scm: ScmProvider;
  const host = (over: Record<string, unknown> = {}) =>
    HostConfig.parse({ kind: 'git', url: server.url, username: USER, password: PASSWORD, ...over });

  before(async () => {
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    server = await startGitServer({ auth: (authorization) => authorization === expected });
    dataDir = await mkdtemp(join(tmpdir(), 'git-provider-'));
    scm = plainGitProvider(host(), createMirrors(dataDir));
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  refTipAndCompareTests(() => ({ scm, git: server, repo: 'acme/refs.git', gitName: 'acme/refs' }));
  boundedReadTests(() => ({ scm, git: server, repo: 'acme/refs.git', gitName: 'acme/refs' }));
  pullRequestTests(() => ({ scm, git: server, repo: 'acme/refs.git', gitName: 'acme/refs', api: null }));

  it('has no checks to read and no pull-request part: [] and no `pulls`', TIMEOUT, async () => {
    const sha = (await server.revParse('acme/refs', 'main')) ?? '';
    assert.deepEqual(await scm.commitChecks('acme/refs.git', sha), []);
    assert.equal(scm.pulls, undefined);
  });

  it('reads the tip from the remote, not from a mirror fetched earlier', TIMEOUT, async () => {
    await server.createRepo('acme/fresh');
    const first = (await server.revParse('acme/fresh', 'main')) ?? '';
    assert.deepEqual(await scm.compare('acme/fresh.git', first, first), { status: 'identical', files: [] });
    const second = await server.commit('acme/fresh', 'main', { 'b.txt': 'b\n' });
    assert.equal(await scm.refTip('acme/fresh.git', 'refs/heads/main'), second);
  });

  it('refuses a short ref name, a wrong password and a missing repository; no server is passing', TIMEOUT, async () => {
    assert.ok((await rejection(scm.refTip('acme/refs.git', 'main'))) instanceof PermanentError);
    const wrong = plainGitProvider(host({ password: 'nope' }), createMirrors(dataDir));
    const auth = await rejection(wrong.refTip('acme/refs.git', 'refs/heads/main'));
    assert.ok(auth instanceof PermanentError, String(auth));
    assert.equal(auth.code, 'git_auth');
    const missing = await rejection(scm.refTip('acme/missing.git', 'refs/heads/main'));
    assert.ok(missing instanceof PermanentError, String(missing));
    // A port this test holds and hangs up on: a port found free and let go can be taken by
    // another test's server before git connects (it was, under a busy CI).
    const hangUp = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => hangUp.listen(0, '127.0.0.1', r));
    try {
      const down = plainGitProvider(
        HostConfig.parse({ kind: 'git', url: `http://127.0.0.1:${(hangUp.address() as AddressInfo).port}` }),
        createMirrors(dataDir),
      );
      const e = await rejection(down.refTip('acme/refs.git', 'refs/heads/main'));
      assert.ok(e instanceof TransientError, String(e));
    } finally {
      await new Promise((r) => hangUp.close(r));
    }
  });

  it('compare names a commit the mirror does not have as a permanent error', TIMEOUT, async () => {
    const head = (await server.revParse('acme/refs', 'main')) ?? '';
    const e = await rejection(scm.compare('acme/refs.git', 'f'.repeat(40), head));
    assert.ok(e instanceof PermanentError, String(e));
    assert.match(e.message, /no commit f{40}/);
  });
});
