import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuditTrail } from '../../src/audit/trail.js';
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

// The default head branch: dispatchd/<host>/<source repo>/<env dir>.
const HEAD = `dispatchd/github/${APP}/staging`;
const IMAGE = 'registry.example.com/acme/hello-world';

/**
 * Each test is one attack from the trust issue, sent as an attacker would: a signed webhook
 * (every team on a host knows its secret) and, where it needs one, a Dispatchfile pushed to a
 * branch. Through the real receiver, workers, Redis and the GitHub emulator.
 */
describe('trust: only the tip of an allowed ref, only where the operator granted', { timeout: 240_000 }, () => {
  let rig: Rig;
  const tasks: RigTask[] = [
    {
      name: 'deploy',
      branches: ['staging', 'feature-*'],
      args: ['-substitute=imageName=$(inputs.resources.docker-image.url)', '-filepath=staging/**'],
    },
  ];

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'staging/application.yaml.tmpl': deployment('staging'),
        'production/application.yaml.tmpl': deployment('production'),
      },
      tasks,
      extraConfig: 'publicUrl: https://dispatchd.example.com\n',
    });
  });
  after(async () => rig?.close());

  const staged = async () => (await rig.gh.git.readFile(GITOPS, HEAD, 'staging/application.yaml')) ?? '';
  const audit = () => createAuditTrail({ redis: rig.stack.producer.redis, retentionMs: 60_000 });
  /** An attacker's branch whose Dispatchfile runs `args` (and aims its git resource at `revision`). */
  async function attackerBranch(branch: string, args: string[], revision?: string): Promise<string> {
    const df = rigDispatchfile(`${rig.gh.url}/${GITOPS}`, {
      tasks: [{ name: 'deploy', branches: [branch], args, ...(revision ? { resource: 'evil-git' } : {}) }],
      gitopsFiles: {},
      ...(revision ? { revisions: { 'evil-git': revision } } : {}),
    });
    const before = (await rig.gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
    const sha = await rig.gh.git.commit(APP, branch, { Dispatchfile: df }, 'not what it seems');
    assert.equal((await rig.deliver(branch, before, sha)).status, 202);
    await rig.stack.idle(60_000);
    return sha;
  }

  it('a legitimate push opens the staging pull request on its commit', async () => {
    const { sha } = await rig.push('staging', '1.0.0');
    await rig.stack.idle(60_000);
    assert.match(await staged(), new RegExp(`image: ${IMAGE}:staging-${sha}\\n`));
    assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
  });

  it('forged after: a signed push naming staging with a commit of an unmerged branch deploys nothing', async () => {
    const tip = await rig.gh.git.revParse(APP, 'staging');
    const unmerged = await rig.gh.git.commit(APP, 'evil', { VERSION: 'evil\n' }, 'unmerged work');
    const { deliveryId } = await rig.deliver('staging', tip!, unmerged);
    await rig.stack.idle(60_000);
    assert.doesNotMatch(await staged(), new RegExp(unmerged), 'the unmerged commit is not rendered');
    assert.match(await staged(), new RegExp(`staging-${tip}`), 'staging still carries its tip');
    assert.equal(rig.gh.statuses(APP, unmerged).length, 0, 'nothing reported on the forged commit');
    const record = await audit().get(`github:${deliveryId}`);
    assert.match(JSON.stringify(record), /is not on refs\/heads\/staging/);
  });

  it('a late delivery of an older push ends on the tip, never behind it', async () => {
    const beforeOld = await rig.gh.git.revParse(APP, 'staging');
    const older = await rig.gh.git.commit(APP, 'staging', { VERSION: '1.1.0\n' }, 'older');
    const newer = await rig.gh.git.commit(APP, 'staging', { VERSION: '1.2.0\n' }, 'newer');
    // The newer push arrives first; the older one is redelivered afterwards (an outage, redeliver).
    await rig.deliver('staging', older, newer);
    await rig.stack.idle(60_000);
    assert.match(await staged(), new RegExp(`staging-${newer}`));
    await rig.deliver('staging', beforeOld!, older);
    await rig.stack.idle(60_000);
    assert.match(await staged(), new RegExp(`staging-${newer}`), 'the older delivery did not move staging back');
    assert.equal(
      rig.gh.pulls(GITOPS).filter((p) => p.state === 'open' && p.head === HEAD).length,
      1,
      'one pull request',
    );
  });

  it('a replay of the same signed body under a new delivery id adds nothing', async () => {
    const tip = (await rig.gh.git.revParse(APP, 'staging'))!;
    const prev = (await rig.gh.git.log(APP, 'staging', 2))[1]!.sha;
    const again = await rig.deliver('staging', prev, tip, 'replayed-under-a-new-id');
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
  });

  it('direct mode without a grant: -create-pull-request=false from a feature branch commits nothing to the base', async () => {
    const mainBefore = await rig.gh.git.revParse(GITOPS, 'main');
    const sha = await attackerBranch('feature-direct', [
      '-substitute=imageName=evil/image:1',
      '-filepath=staging/**',
      '-create-pull-request=false',
    ]);
    assert.equal(await rig.gh.git.revParse(GITOPS, 'main'), mainBefore, 'the base did not move');
    const s = lastStatus(rig.gh, sha, 'dispatchd');
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /^not granted: a direct commit .*"direct" in allow\[\]\.modes/);
    // The short reason is public; the full one is behind the admin token, one click away.
    assert.match(s?.targetUrl ?? '', /^https:\/\/dispatchd\.example\.com\/#delivery=github%3Arig-\d+-/);
  });

  it('merge without a grant: -merge-pull-request from a feature branch fails before anything is pushed', async () => {
    const pushes = rig.gh.git.pushes;
    const sha = await attackerBranch('feature-merge', [
      '-substitute=imageName=evil/image:2',
      '-filepath=staging/**',
      '-merge-pull-request',
    ]);
    assert.equal(rig.gh.git.pushes, pushes);
    assert.match(
      lastStatus(rig.gh, sha, 'dispatchd')?.description ?? '',
      /^not granted: a merge \(-merge-pull-request\) needs "merge" in allow\[\]\.modes/,
    );
  });

  it("a head outside the source's namespace (another team's PR branch, or the base) is refused", async () => {
    const pushes = rig.gh.git.pushes;
    for (const [i, branch] of [
      `dispatchd/github/acme/other-app/production`,
      'main',
      `dispatchd/${APP}/staging`,
    ].entries()) {
      const sha = await attackerBranch(`feature-head-${i}`, [
        '-substitute=imageName=evil/image:3',
        '-filepath=staging/**',
        `-branch=${branch}`,
      ]);
      assert.match(
        lastStatus(rig.gh, sha, 'dispatchd')?.description ?? '',
        /is outside dispatchd\/github\/acme\/hello-world\//,
        branch,
      );
    }
    assert.equal(rig.gh.git.pushes, pushes, 'nothing pushed');
  });

  it('a base outside the grant (revision) is refused before any fetch', async () => {
    await rig.gh.git.commit(
      GITOPS,
      'release',
      { 'staging/application.yaml.tmpl': deployment('staging') },
      'a release base',
    );
    const pushes = rig.gh.git.pushes;
    const sha = await attackerBranch(
      'feature-base',
      ['-substitute=imageName=evil/image:4', '-filepath=staging/**'],
      'release',
    );
    assert.equal(rig.gh.git.pushes, pushes);
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /^not granted: base release needs allow\[\]\.bases/);
    const head = await attackerBranch(
      'feature-base2',
      ['-substitute=imageName=evil/image:4', '-filepath=staging/**'],
      `dispatchd/github/acme/other/staging`,
    );
    assert.match(lastStatus(rig.gh, head, 'dispatchd')?.description ?? '', /is a dispatchd head branch, not a base/);
  });

  it('newlines in any flag are refused, so no document and no trailer can be injected', async () => {
    const pushes = rig.gh.git.pushes;
    const binding =
      'x\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: pwned}';
    const cases: [string, string[], RegExp][] = [
      [
        'feature-nl-1',
        [`-substitute=imageName=${binding}`, '-filepath=staging/**'],
        /-substitute imageName: .*newline/,
      ],
      [
        'feature-nl-2',
        ['-substitute=imageName=a', '-filepath=staging/**', `-git-revision=${'a'.repeat(40)}\nDispatchd-Env: forged`],
        /-git-revision: .*newline/,
      ],
      [
        'feature-nl-3',
        ['-substitute=imageName=a', '-filepath=staging/**', `-branch=dispatchd/github/${APP}/x\nDispatchd-Env: forged`],
        /-branch: .*newline/,
      ],
      [
        'feature-nl-4',
        ['-substitute=imageName=a', '-filepath=staging/**', '-commit-message=Deploy\n\nDispatchd-Commit: 0000000'],
        /-commit-message: .*looks like a git trailer/,
      ],
    ];
    for (const [branch, args, why] of cases) {
      const sha = await attackerBranch(branch, args);
      assert.match(lastStatus(rig.gh, sha, 'dispatchd')?.description ?? '', why, branch);
    }
    assert.equal(rig.gh.git.pushes, pushes, 'nothing pushed');
  });

  it('tasks left to CI get no status from dispatchd (a required check would pass without a test)', async () => {
    const df = rigDispatchfile(`${rig.gh.url}/${GITOPS}`, { tasks, gitopsFiles: {} })
      .replace(
        'task:\n',
        'task:\n  unit-test:\n    steps:\n      - name: test\n        image: golang:1.13\n        command: [go, test, ./...]\n',
      )
      .replace('tasks: [build, deploy]', 'tasks: [unit-test, build, deploy]');
    assert.match(df, /unit-test, build, deploy/);
    const before = (await rig.gh.git.revParse(APP, 'staging'))!;
    const sha = await rig.gh.git.commit(APP, 'staging', { Dispatchfile: df, VERSION: '1.3.0\n' }, 'with tests');
    await rig.deliver('staging', before, sha);
    await rig.stack.idle(60_000);
    const contexts = rig.gh.statuses(APP, sha).map((s) => s.context);
    assert.ok(contexts.includes('dispatchd/deploy'), `deploy reported (${contexts.join(', ')})`);
    assert.ok(!contexts.includes('dispatchd/unit-test'), 'no status for the test dispatchd did not run');
  });
});
