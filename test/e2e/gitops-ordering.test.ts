import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const HEAD = `dispatchd/github/${APP}/staging`;

describe('GitOps updates: coalescing, forward only, no-ops, foreign commits', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'README.md': '# gitops\n',
        'staging/application.yaml.tmpl': deployment('staging'),
        'production/application.yaml.tmpl': deployment('production', '$({ .imageName })'),
      },
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
        {
          name: 'pinned',
          branches: ['fixed'],
          args: [
            '-substitute=imageName=registry.example.com/acme/hello-world:pinned',
            '-filepath=production/**',
            '-merge-pull-request',
          ],
        },
      ],
    });
  });
  after(async () => rig?.close());

  it('a burst of pushes to one branch ends in ONE pull request on the newest commit, with few git pushes', async () => {
    const pushesBefore = rig.gh.git.pushes;
    const shas: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { sha, status } = await rig.push('staging', `2.0.${i}`);
      assert.equal(status, 202);
      shas.push(sha);
    }
    await rig.stack.idle(60_000);
    const newest = shas.at(-1)!;
    const open = rig.gh.pulls(GITOPS).filter((p) => p.state === 'open');
    assert.equal(open.length, 1, 'one pull request');
    assert.equal(open[0]!.head, HEAD);
    const rendered = await rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml');
    assert.match(rendered ?? '', new RegExp(`image: registry.example.com/acme/hello-world:staging-${newest}\\n`));
    assert.match(open[0]!.body ?? '', new RegExp(newest.slice(0, 7)));
    const gitPushes = rig.gh.git.pushes - pushesBefore;
    assert.ok(gitPushes >= 1 && gitPushes <= 3, `8 pushes became ${gitPushes} git pushes`);
    assert.equal(rig.gh.count('POST /repos/{owner}/{repo}/pulls'), 1);
    assert.equal(lastStatus(rig.gh, newest)?.state, 'success');
    // Each plan reads the branch's tip, so older commits are planned only if their plan ran before
    // the next push landed; a commit a later plan covered gets no status at all. None is left
    // pending or failed.
    for (const old of shas.slice(0, -1)) {
      const s = lastStatus(rig.gh, old);
      if (!s) continue;
      assert.equal(s.state, 'success', `status of ${old.slice(0, 7)}: ${s.description}`);
      if (!/pull request (opened|updated)/.test(s.description ?? '')) assert.match(s.description ?? '', /superseded/);
    }
  });

  it('the PR says which image changes from what to what, which files, and who pushed', async () => {
    const pr = rig.gh.pulls(GITOPS).find((p) => p.state === 'open')!;
    assert.match(
      pr.body ?? '',
      /`imageName`: \(new\) → `registry\.example\.com\/acme\/hello-world:staging-[0-9a-f]{40}` in `staging\/application\.yaml`/,
    );
    assert.match(pr.body ?? '', /\| `staging\/application\.yaml` \| 12 \| 0 \|/);
    assert.match(pr.body ?? '', /Pushed by: \S+/);
    assert.match(pr.body ?? '', new RegExp(`\\]\\(${rig.gh.url}/${APP}/commit/[0-9a-f]{40}\\)`));
  });

  it('an older commit offered after a newer one was applied changes nothing, whatever its stamp', async () => {
    const { createEnvironments } = await import('../../src/queue/environments.js');
    const { keys } = await import('../../src/queue/names.js');
    const redis = rig.stack.producer.redis;
    const envs = createEnvironments(redis);
    const [env] = (await envs.list<{ source: { sha: string }; task: string }>()).filter(
      (e) => e.spec.task === 'deploy',
    );
    assert.ok(env);
    const headBefore = await rig.gh.git.revParse(GITOPS, HEAD);
    const oldSha = await rig.gh.git.commit(APP, 'old-work', { VERSION: 'old\n' }, 'old');
    // A stale stamp loses the offer outright.
    const stale = await envs.offer(
      env.envId,
      1,
      { ...env.spec, seq: 1, source: { ...env.spec.source, sha: oldSha } },
      { host: 'github', repo: APP, sha: oldSha, context: 'dispatchd/deploy', seq: 1 },
    );
    assert.equal(stale.stale, true, 'the environment keeps the newer spec');
    // A fresh stamp wins the offer (as a late plan would): the update itself refuses to move back,
    // because the commit is no descendant of the one staging carries, nor its branch's tip.
    const stamp = await redis.incr(keys.receiptSeq());
    const late = await envs.offer(
      env.envId,
      stamp,
      { ...env.spec, seq: stamp, source: { ...env.spec.source, sha: oldSha } },
      { host: 'github', repo: APP, sha: oldSha, context: 'dispatchd/deploy', seq: stamp },
    );
    assert.equal(late.stale, false);
    await rig.stack.producer.gitops.add('update', { envId: env.envId }, { jobId: late.jobId });
    await rig.stack.idle();
    assert.equal(await rig.gh.git.revParse(GITOPS, HEAD), headBefore, 'head branch untouched');
    assert.match(
      lastStatus(rig.gh, oldSha)?.description ?? '',
      /superseded: staging of acme\/hello-world-gitops already carries a newer commit/,
    );
  });

  it('no change → no commit, no PR, status "up to date" (a new revision in the header alone is no change)', async () => {
    const first = await rig.push('fixed', '3.0.0');
    await rig.stack.idle();
    const merged = rig.gh.pulls(GITOPS).find((p) => p.head === `dispatchd/github/${APP}/production`);
    assert.ok(merged?.merged, 'the first pinned update was merged (-merge-pull-request)');
    assert.match(
      (await rig.gh.git.readFile(GITOPS, 'main', 'production/application.yaml')) ?? '',
      /image: registry.example.com\/acme\/hello-world:pinned/,
    );
    assert.match(lastStatus(rig.gh, first.sha, 'dispatchd/pinned')?.description ?? '', /pull request/);
    const mainBefore = await rig.gh.git.revParse(GITOPS, 'main');
    const pushesBefore = rig.gh.git.pushes;
    const prsBefore = rig.gh.pulls(GITOPS).length;
    const second = await rig.push('fixed', '3.0.1');
    await rig.stack.idle();
    assert.equal(rig.gh.git.pushes, pushesBefore, 'nothing pushed');
    assert.equal(rig.gh.pulls(GITOPS).length, prsBefore, 'no pull request');
    assert.equal(await rig.gh.git.revParse(GITOPS, 'main'), mainBefore);
    const s = lastStatus(rig.gh, second.sha, 'dispatchd/pinned');
    assert.equal(s?.state, 'success');
    assert.match(s?.description ?? '', /^up to date/);
  });

  it('commits on the head branch that dispatchd did not make are kept: comment on the PR and fail', async () => {
    const hotfix = await rig.gh.git.commit(GITOPS, HEAD, { 'staging/notes.txt': 'hand fix\n' }, 'Hand fix', {
      name: 'Ops Person',
      email: 'ops@example.com',
    });
    const { sha } = await rig.push('staging', '2.1.0');
    await rig.stack.idle();
    assert.equal(await rig.gh.git.revParse(GITOPS, HEAD), hotfix, 'the hand-made commit is still the head');
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /commits dispatchd did not make/);
    const pr = rig.gh.pulls(GITOPS).find((p) => p.state === 'open' && p.head === HEAD)!;
    const comments = await eventually(
      () => {
        const c = rig.gh.comments(GITOPS, pr.number);
        return c.length > 0 ? c : undefined;
      },
      5000,
      'a comment',
    );
    assert.match(comments.at(-1)!.body, /did not make; they are kept/);
  });
});
