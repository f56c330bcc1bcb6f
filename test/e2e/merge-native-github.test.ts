import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitopsEvent } from '../../src/core/gitops-events.js';
import { APP, deployment, GITOPS, startRig, TOKEN, type Rig } from '../gitops/rig.js';
import { eventually } from './fixtures.js';

const HEAD = `dispatchd/github/${APP}/staging`;
const CHECK = 'ci/validate';
const EXTRA = 'ci/extra';

const gitopsFiles = { 'README.md': '# gitops\n', 'staging/application.yaml.tmpl': deployment('staging') };
const deployTask = {
  name: 'deploy',
  branches: ['staging'],
  args: [
    '-git-revision=$(context.git.commit)',
    '-substitute=imageName=$(inputs.resources.docker-image.url)',
    '-filepath=staging/**',
    '-merge-pull-request',
  ],
};

/** Posts a commit status on the GitOps repository, as the team's CI (or Argo CD) would. */
async function postStatus(rig: Rig, sha: string, state: string, context = CHECK, description = state): Promise<void> {
  const res = await fetch(`${rig.gh.apiUrl}/repos/${GITOPS}/statuses/${sha}`, {
    method: 'POST',
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ state, context, description }),
  });
  assert.equal(res.status, 201);
}

const pull = (rig: Rig, number: number) => rig.gh.pulls(GITOPS).find((p) => p.number === number);
/** The open PR once its head carries `sha`'s render. */
const prFor = (rig: Rig, sha: string) =>
  eventually(
    async () => {
      const tip = await rig.gh.git.revParse(GITOPS, HEAD);
      if (!tip) return undefined;
      const body = await rig.gh.git.readFile(GITOPS, tip, 'staging/application.yaml');
      const pr = rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open');
      return body?.includes(sha) && pr?.headSha === tip ? pr : undefined;
    },
    60_000,
    `the PR carrying ${sha.slice(0, 7)}`,
  );
const autoMergeOn = (rig: Rig, number: number) =>
  eventually(() => (pull(rig, number)?.autoMerge ? true : undefined), 60_000, 'auto-merge enabled by dispatchd');

describe(
  'merge when green on GitHub, natively: auto-merge where the base protects every required check',
  { timeout: 240_000 },
  () => {
    let rig: Rig;
    const events: GitopsEvent[] = [];
    before(async () => {
      rig = await startRig({
        gitopsFiles,
        tasks: [deployTask],
        merge: { method: 'squash', requiredChecks: [CHECK] },
        onGitopsEvent: (e) => {
          events.push(e);
        },
      });
      rig.gh.allowAutoMerge(GITOPS, true);
      rig.gh.protectBranch(GITOPS, 'main', [CHECK]);
    });
    after(async () => rig?.close());

    it('hands the PR to auto-merge while the check is missing; GitHub merges it when the check passes', async () => {
      const { sha } = await rig.push('staging', '3.0.0');
      const pr = await prFor(rig, sha);
      await autoMergeOn(rig, pr.number);
      assert.equal(pull(rig, pr.number)?.autoMerge?.method, 'squash');
      assert.equal(pull(rig, pr.number)?.state, 'open', 'the required check has not reported');
      await postStatus(rig, pr.headSha, 'success');
      const merged = pull(rig, pr.number);
      assert.equal(merged?.merged, true, 'merged at once by the SCM, on the status');
      assert.equal(merged?.mergedVia, 'auto-merge');
      assert.match((await rig.gh.git.readFile(GITOPS, 'main', 'staging/application.yaml')) ?? '', new RegExp(sha));
      const event = await eventually(
        () => events.find((e) => e.type === 'pull-request' && e.number === pr.number && e.action === 'merged'),
        90_000,
        'the merged event from the merge job',
      );
      assert.equal(event.type === 'pull-request' && event.by, 'auto-merge');
      assert.deepEqual(rig.gh.comments(GITOPS, pr.number), [], 'nothing to say');
    });

    it('a failed check: auto-merge taken back, a comment names it, not merged; a newer push asks again and merges', async () => {
      const { sha } = await rig.push('staging', '3.1.0');
      const pr = await prFor(rig, sha);
      await autoMergeOn(rig, pr.number);
      await postStatus(rig, pr.headSha, 'failure', CHECK, '2 manifests invalid');
      const comment = await eventually(
        () => rig.gh.comments(GITOPS, pr.number).find((c) => /not merging/.test(c.body)),
        60_000,
        'the comment',
      );
      assert.match(comment.body, new RegExp(`\`${CHECK}\` failed \\(2 manifests invalid\\)`));
      assert.equal(pull(rig, pr.number)?.autoMerge ?? null, null, 'auto-merge disabled by dispatchd');
      assert.equal(pull(rig, pr.number)?.state, 'open');
      const next = await rig.push('staging', '3.1.1');
      const updated = await prFor(rig, next.sha);
      assert.equal(updated.number, pr.number, 'the same PR, updated');
      await autoMergeOn(rig, pr.number);
      await postStatus(rig, updated.headSha, 'success');
      assert.equal(pull(rig, pr.number)?.mergedVia, 'auto-merge');
      assert.match((await rig.gh.git.readFile(GITOPS, 'main', 'staging/application.yaml')) ?? '', new RegExp(next.sha));
    });
  },
);

describe(
  'merge when green on GitHub: a grant context the base does not protect keeps dispatchd merging',
  { timeout: 180_000 },
  () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig({ gitopsFiles, tasks: [deployTask], merge: { requiredChecks: [CHECK, EXTRA] } });
      rig.gh.allowAutoMerge(GITOPS, true);
      rig.gh.protectBranch(GITOPS, 'main', [CHECK]);
    });
    after(async () => rig?.close());

    it('never enables auto-merge (GitHub would not wait for ci/extra), and merges itself once both pass', async () => {
      const { sha } = await rig.push('staging', '4.0.0');
      const pr = await prFor(rig, sha);
      await postStatus(rig, pr.headSha, 'pending', EXTRA);
      await postStatus(rig, pr.headSha, 'success', CHECK);
      // The job has looked (woken by the statuses) and waits for ci/extra.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(pull(rig, pr.number)?.state, 'open', `${EXTRA} pending: GitHub's rules alone would have merged`);
      assert.equal(pull(rig, pr.number)?.autoMerge ?? null, null, 'auto-merge never enabled');
      await postStatus(rig, pr.headSha, 'success', EXTRA);
      await eventually(() => pull(rig, pr.number)?.merged || undefined, 90_000, 'the merge');
      assert.equal(pull(rig, pr.number)?.mergedVia, 'api', 'merged by dispatchd');
    });

    it('auto-merge left on the PR (set by hand, or for an older head) is taken back by the next head', async () => {
      const { sha } = await rig.push('staging', '4.1.0');
      const pr = await prFor(rig, sha);
      await enableByHand(rig, pr.id);
      assert.ok(pull(rig, pr.number)?.autoMerge, 'on, outside dispatchd');
      const next = await rig.push('staging', '4.1.1');
      const updated = await prFor(rig, next.sha);
      await eventually(() => (pull(rig, pr.number)?.autoMerge ? undefined : true), 60_000, 'auto-merge taken back');
      await postStatus(rig, updated.headSha, 'success', CHECK);
      assert.equal(pull(rig, pr.number)?.state, 'open', `GitHub would have merged without ${EXTRA}`);
    });
  },
);

/** Enables auto-merge on a PR as a person would (GraphQL), outside dispatchd. */
async function enableByHand(rig: Rig, prId: number): Promise<void> {
  const res = await fetch(`${rig.gh.url}/api/graphql`, {
    method: 'POST',
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { clientMutationId } }',
      variables: { input: { pullRequestId: `PR_${prId}`, mergeMethod: 'MERGE' } },
    }),
  });
  const body = (await res.json()) as { errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body));
}

describe(
  'merge when green on GitHub, natively: a check still pending after merge.timeout',
  { timeout: 120_000 },
  () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig({ gitopsFiles, tasks: [deployTask], merge: { timeout: '4s', requiredChecks: [CHECK] } });
      rig.gh.allowAutoMerge(GITOPS, true);
      rig.gh.protectBranch(GITOPS, 'main', [CHECK]);
    });
    after(async () => rig?.close());

    it('takes auto-merge back with a comment naming what it waited for: the check passing later merges nothing', async () => {
      const { sha } = await rig.push('staging', '5.0.0');
      const pr = await prFor(rig, sha);
      await autoMergeOn(rig, pr.number);
      await postStatus(rig, pr.headSha, 'pending');
      const comment = await eventually(
        () => rig.gh.comments(GITOPS, pr.number).find((c) => /still waiting/.test(c.body)),
        60_000,
        'the timeout comment',
      );
      assert.match(comment.body, new RegExp(`still waiting for \`${CHECK}\``));
      assert.equal(pull(rig, pr.number)?.autoMerge ?? null, null, 'auto-merge disabled');
      await postStatus(rig, pr.headSha, 'success');
      assert.equal(pull(rig, pr.number)?.state, 'open', 'not merged after the timeout');
    });
  },
);

describe('merge when green on GitHub with merge.native: false', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ gitopsFiles, tasks: [deployTask], merge: { requiredChecks: [CHECK], native: false } });
    rig.gh.allowAutoMerge(GITOPS, true);
    rig.gh.protectBranch(GITOPS, 'main', [CHECK]);
  });
  after(async () => rig?.close());

  it('dispatchd merges itself, though the repository allows auto-merge', async () => {
    const { sha } = await rig.push('staging', '6.0.0');
    const pr = await prFor(rig, sha);
    await postStatus(rig, pr.headSha, 'pending');
    await new Promise((r) => setTimeout(r, 2500));
    await postStatus(rig, pr.headSha, 'success');
    await eventually(() => pull(rig, pr.number)?.merged || undefined, 90_000, 'the merge');
    assert.equal(pull(rig, pr.number)?.mergedVia, 'api');
    assert.equal(rig.gh.count('POST /api/graphql'), 0, 'auto-merge never asked');
  });
});
