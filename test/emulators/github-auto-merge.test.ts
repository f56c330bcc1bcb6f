import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from './github/emulator.js';

const TOKEN = 'ghp_auto_merge_emulator';
const REPO = 'acme/auto';

/** The emulator's auto-merge as GitHub documents it, through raw HTTP: GraphQL, REST, webhooks. */
describe('GitHub emulator: auto-merge (GraphQL) and the merge it makes', { timeout: 60_000 }, () => {
  let emu: GithubEmulator;
  let n = 0;
  const api = async (method: string, path: string, body?: unknown, auth = TOKEN) => {
    const res = await fetch(path.startsWith('http') ? path : `${emu.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${auth}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const graphql = (query: string, variables: Record<string, unknown> = {}, auth = TOKEN) =>
    api('POST', `${emu.url}/api/graphql`, { query, variables }, auth);
  const openPr = async () => {
    const head = `topic-${++n}`;
    const sha = await emu.git.commit(REPO, head, { [`t${n}.txt`]: `${n}\n` }, `topic ${n}`);
    const { body } = await api('POST', `/repos/${REPO}/pulls`, { head, base: 'main', title: `topic ${n}` });
    return { number: body.number as number, nodeId: body.node_id as string, sha };
  };
  before(async () => {
    emu = await startGithubEmulator({ token: TOKEN });
    await emu.git.createRepo(REPO, { files: { 'README.md': 'x\n' } });
    emu.protectBranch(REPO, 'main', ['build']);
    // An unreachable hook: the delivery is still recorded, with what was sent.
    emu.addHook(REPO, { url: 'http://127.0.0.1:9/hook', secret: 's', events: ['pull_request'] });
  });
  after(() => emu.close());

  it('a refusal is HTTP 200 with GraphQL errors; no token is 401', async () => {
    const pr = await openPr();
    const mutation = `mutation { enablePullRequestAutoMerge(input: { pullRequestId: "${pr.nodeId}", mergeMethod: SQUASH }) { clientMutationId } }`;
    assert.equal((await graphql(mutation, {}, 'wrong')).status, 401);
    const off = await graphql(mutation);
    assert.equal(off.status, 200);
    assert.deepEqual(off.body.data, { enablePullRequestAutoMerge: null });
    const [error] = off.body.errors as { type: string; path: string[]; message: string }[];
    assert.deepEqual(
      { type: error?.type, path: error?.path, message: error?.message },
      {
        type: 'UNPROCESSABLE',
        path: ['enablePullRequestAutoMerge'],
        message: 'Pull request Auto merge is not allowed for this repository',
      },
    );
    const repo = await api('GET', `/repos/${REPO}`);
    assert.equal(repo.body.allow_auto_merge, false);
  });

  it('enabled: REST shows auto_merge; a required check run completing merges it as the enabler, and the webhook says merged', async () => {
    emu.allowAutoMerge(REPO, true);
    const pr = await openPr();
    const on = await graphql(
      `mutation { enablePullRequestAutoMerge(input: { pullRequestId: "${pr.nodeId}", mergeMethod: SQUASH }) { clientMutationId } }`,
    );
    assert.equal(on.body.errors, undefined, JSON.stringify(on.body));
    const open = await api('GET', `/repos/${REPO}/pulls/${pr.number}`);
    assert.deepEqual(
      { ...(open.body.auto_merge as Record<string, unknown>), enabled_by: undefined },
      { enabled_by: undefined, merge_method: 'squash', commit_title: null, commit_message: null },
    );
    const run = await api('POST', `/repos/${REPO}/check-runs`, {
      name: 'build',
      head_sha: pr.sha,
      status: 'in_progress',
    });
    assert.equal((await api('GET', `/repos/${REPO}/pulls/${pr.number}`)).body.merged, false);
    await api('PATCH', `/repos/${REPO}/check-runs/${String(run.body.id)}`, { conclusion: 'success' });
    const merged = await api('GET', `/repos/${REPO}/pulls/${pr.number}`);
    assert.equal(merged.body.merged, true);
    assert.equal(merged.body.auto_merge, null);
    assert.equal((merged.body.merged_by as { login: string }).login, 'dispatchd-bot');
    const closed = await (async () => {
      for (let i = 0; i < 50; i++) {
        const d = emu.deliveries(REPO).find((x) => x.action === 'closed');
        if (d) return d;
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    })();
    assert.equal((closed?.payload as { pull_request: { merged: boolean; number: number } }).pull_request.merged, true);
  });

  it('disable turns it off; a PR that could merge now is refused ("clean status")', async () => {
    const pr = await openPr();
    const enable = `mutation($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { clientMutationId } }`;
    assert.equal((await graphql(enable, { input: { pullRequestId: pr.nodeId } })).body.errors, undefined);
    const disable = `mutation { disablePullRequestAutoMerge(input: { pullRequestId: "${pr.nodeId}" }) { clientMutationId } }`;
    assert.equal((await graphql(disable)).body.errors, undefined);
    assert.equal((await api('GET', `/repos/${REPO}/pulls/${pr.number}`)).body.auto_merge, null);
    await api('POST', `/repos/${REPO}/statuses/${pr.sha}`, { state: 'success', context: 'build' });
    assert.equal((await api('GET', `/repos/${REPO}/pulls/${pr.number}`)).body.merged, false, 'off: not merged');
    const clean = await graphql(enable, { input: { pullRequestId: pr.nodeId } });
    assert.equal(
      (clean.body.errors as { message: string }[])[0]?.message,
      'Pull request Pull request is in clean status',
    );
  });
});
