import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGitlabEmulator, type GitlabEmulator } from './gitlab/emulator.js';

const TOKEN = 'glpat-auto-merge-emulator';
const PROJECT = 'acme/platform/auto';
const ID = encodeURIComponent(PROJECT);

/** The emulator's auto-merge as GitLab documents it, through raw HTTP: the head pipeline decides. */
describe('GitLab emulator: auto-merge and the head pipeline from commit statuses', { timeout: 60_000 }, () => {
  let emu: GitlabEmulator;
  let n = 0;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.apiUrl}/projects/${ID}${path}`, {
      method,
      headers: { 'private-token': TOKEN, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const openMr = async () => {
    const source = `topic-${++n}`;
    const sha = await emu.git.commit(PROJECT, source, { [`t${n}.txt`]: `${n}\n` }, `topic ${n}`);
    const { body } = await api('POST', '/merge_requests', {
      source_branch: source,
      target_branch: 'main',
      title: `topic ${n}`,
    });
    return { iid: body.iid as number, sha, source };
  };
  const status = (sha: string, state: string, name: string, ref?: string) =>
    api('POST', `/statuses/${sha}`, { state, name, ...(ref ? { ref } : {}) });
  const mr = async (iid: number) => (await api('GET', `/merge_requests/${iid}`)).body;
  before(async () => {
    emu = await startGitlabEmulator({ token: TOKEN });
    await emu.git.createRepo(PROJECT, { files: { 'README.md': 'x\n' } });
  });
  after(() => emu.close());

  it('no pipeline: auto_merge merges at once', async () => {
    const m = await openMr();
    const res = await api('PUT', `/merge_requests/${m.iid}/merge`, { auto_merge: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.state, 'merged');
  });

  it('a running pipeline: set, shown on the MR; cancelled once (then 406)', async () => {
    const m = await openMr();
    await status(m.sha, 'running', 'build');
    const res = await api('PUT', `/merge_requests/${m.iid}/merge`, { merge_when_pipeline_succeeds: true, sha: m.sha });
    assert.equal(res.body.state, 'opened');
    assert.equal(res.body.merge_when_pipeline_succeeds, true);
    assert.equal((res.body.merge_user as { username: string }).username, 'dispatchd-bot');
    const cancel = await api('POST', `/merge_requests/${m.iid}/cancel_merge_when_pipeline_succeeds`);
    assert.equal(cancel.status, 201);
    assert.equal(cancel.body.merge_when_pipeline_succeeds, false);
    assert.equal((await api('POST', `/merge_requests/${m.iid}/cancel_merge_when_pipeline_succeeds`)).status, 406);
  });

  it('merges when every status of the head pipeline succeeded; a status on another ref is another pipeline', async () => {
    const m = await openMr();
    await status(m.sha, 'pending', 'build');
    await status(m.sha, 'running', 'lint');
    assert.equal((await api('PUT', `/merge_requests/${m.iid}/merge`, { auto_merge: true })).body.state, 'opened');
    await status(m.sha, 'success', 'build');
    assert.equal((await mr(m.iid)).state, 'opened', 'lint still running');
    await status(m.sha, 'success', 'lint', 'some-other-branch');
    assert.equal((await mr(m.iid)).state, 'opened', 'not the head pipeline');
    await status(m.sha, 'success', 'lint', m.source);
    const merged = await mr(m.iid);
    assert.equal(merged.state, 'merged');
    assert.equal(emu.mergeRequests(PROJECT).find((x) => x.iid === m.iid)?.mergedVia, 'auto-merge');
  });

  it('a failed pipeline keeps it open with auto-merge set (a retried job may still pass); asking again is 405', async () => {
    const m = await openMr();
    await status(m.sha, 'running', 'build');
    await api('PUT', `/merge_requests/${m.iid}/merge`, { auto_merge: true });
    await status(m.sha, 'failed', 'build');
    const after = await mr(m.iid);
    assert.equal(after.state, 'opened');
    assert.equal(after.merge_when_pipeline_succeeds, true);
    assert.equal((await api('PUT', `/merge_requests/${m.iid}/merge`, { auto_merge: true })).status, 405);
    await status(m.sha, 'success', 'build');
    assert.equal((await mr(m.iid)).state, 'merged', 'the retried job passed: merged');
  });
});
