import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitopsEvent } from '../../src/core/gitops-events.js';
import { runGit } from '../emulators/common/git/run-git.js';
import { APP, deployment, GITOPS, startRig, TOKEN, type Rig } from '../gitops/rig.js';
import { eventually } from './fixtures.js';

const HEAD = `dispatchd/github/${APP}/staging`;
const CHECK = 'ci/validate';

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

const openPr = (rig: Rig) => rig.gh.pulls(GITOPS).find((p) => p.head === HEAD && p.state === 'open');
/** The open PR once its head carries `sha`'s render (head read first, so `headSha` is never older than it). */
const prFor = (rig: Rig, sha: string) =>
  eventually(
    async () => {
      const tip = await rig.gh.git.revParse(GITOPS, HEAD);
      if (!tip) return undefined;
      const body = await rig.gh.git.readFile(GITOPS, tip, 'staging/application.yaml');
      const pr = openPr(rig);
      return body?.includes(sha) && pr?.headSha === tip ? pr : undefined;
    },
    60_000,
    `the PR carrying ${sha.slice(0, 7)}`,
  );
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('merge when green (-merge-pull-request) on GitHub', { timeout: 240_000 }, () => {
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
  });
  after(async () => rig?.close());

  it('waits while the required check is missing or pending, merges (squash) once it passes, and says so', async () => {
    const { sha } = await rig.push('staging', '1.0.0');
    const pr = await prFor(rig, sha);
    await pause(2500);
    assert.equal(openPr(rig)?.number, pr.number, 'no check reported yet: still open');
    await postStatus(rig, pr.headSha, 'pending');
    await postStatus(rig, pr.headSha, 'success', 'ci/lint');
    await pause(2500);
    assert.equal(rig.gh.pulls(GITOPS).find((p) => p.number === pr.number)?.merged, false, 'pending: not merged');
    await postStatus(rig, pr.headSha, 'success');
    const merged = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.number === pr.number && p.merged),
      90_000,
      'the merge',
    );
    const main = (await rig.gh.git.revParse(GITOPS, 'main')) ?? '';
    assert.equal(merged.mergeCommitSha, main);
    const parents = (
      await runGit(['rev-list', '--parents', '-n', '1', main], { gitDir: rig.gh.git.bareDir(GITOPS) })
    ).stdout
      .trim()
      .split(' ');
    assert.equal(parents.length, 2, 'squash: one parent, no merge commit');
    assert.match((await rig.gh.git.readFile(GITOPS, 'main', 'staging/application.yaml')) ?? '', new RegExp(sha));
    const event = await eventually(() => events.find((e) => e.type === 'pull-request' && e.number === pr.number));
    assert.deepEqual(event, {
      type: 'pull-request',
      action: 'merged',
      host: 'github',
      repo: GITOPS,
      number: pr.number,
      head: HEAD,
      base: 'main',
      headSha: pr.headSha,
      mergeSha: main,
      by: 'dispatchd',
    });
  });

  it('a failed check leaves the PR open with a comment naming it; a newer push keeps the request and merges when green', async () => {
    const { sha } = await rig.push('staging', '1.1.0');
    const pr = await prFor(rig, sha);
    const firstHead = pr.headSha;
    await postStatus(rig, firstHead, 'failure', CHECK, '3 manifests invalid');
    const comment = await eventually(
      () => rig.gh.comments(GITOPS, pr.number).find((c) => /not merging/.test(c.body)),
      60_000,
      'the comment',
    );
    assert.match(
      comment.body,
      new RegExp(`not merging ${firstHead.slice(0, 7)}: \`${CHECK}\` failed \\(3 manifests invalid\\)`),
    );
    await pause(1500);
    assert.equal(openPr(rig)?.number, pr.number, 'still open, not merged around the failure');
    const next = await rig.push('staging', '1.1.1');
    const updated = await prFor(rig, next.sha);
    assert.equal(updated.number, pr.number, 'the same PR, updated');
    assert.notEqual(updated.headSha, firstHead);
    await postStatus(rig, updated.headSha, 'success');
    await eventually(() => rig.gh.pulls(GITOPS).find((p) => p.number === pr.number && p.merged), 90_000, 'the merge');
    assert.match((await rig.gh.git.readFile(GITOPS, 'main', 'staging/application.yaml')) ?? '', new RegExp(next.sha));
  });
});

describe('merge when green: a check still pending after merge.timeout', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ gitopsFiles, tasks: [deployTask], merge: { timeout: '3s', requiredChecks: [CHECK] } });
  });
  after(async () => rig?.close());

  it('gets a comment naming what it waited for, and no merge', async () => {
    const { sha } = await rig.push('staging', '2.0.0');
    const pr = await prFor(rig, sha);
    await postStatus(rig, pr.headSha, 'pending');
    const comment = await eventually(
      () => rig.gh.comments(GITOPS, pr.number).find((c) => /still waiting/.test(c.body)),
      60_000,
      'the timeout comment',
    );
    assert.match(comment.body, new RegExp(`still waiting for \`${CHECK}\``));
    await rig.stack.idle(30_000);
    assert.equal(openPr(rig)?.number, pr.number, 'open, not merged');
  });
});

describe('merge when green: GitHub branch protection names the required checks', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ gitopsFiles, tasks: [deployTask] });
    rig.gh.protectBranch(GITOPS, 'main', [CHECK]);
  });
  after(async () => rig?.close());

  it('with nothing in merge.requiredChecks, the protected base still waits for its check, then merges', async () => {
    const { sha } = await rig.push('staging', '7.0.0');
    const pr = await prFor(rig, sha);
    await pause(2500);
    assert.equal(openPr(rig)?.number, pr.number, 'the protected check has not reported: still open');
    assert.deepEqual(rig.gh.comments(GITOPS, pr.number), [], 'no refused merge to comment on');
    await postStatus(rig, pr.headSha, 'success');
    const merged = await eventually(
      () => rig.gh.pulls(GITOPS).find((p) => p.number === pr.number && p.merged),
      90_000,
      'the merge',
    );
    // The repository does not allow auto-merge (GitHub's default): dispatchd merged it itself.
    assert.equal(merged.mergedVia, 'api');
  });
});
