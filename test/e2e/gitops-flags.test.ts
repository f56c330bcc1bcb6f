import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const IMAGE = '-substitute=imageName=$(inputs.resources.docker-image.url)';
const FILEPATH = '-filepath=$(context.build.name)/**';

describe('update-gitops-repo flags through the real service', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig({
      gitopsFiles: Object.fromEntries(
        ['direct', 'named', 'rel'].map((d) => [`${d}/application.yaml.tmpl`, deployment(d)]),
      ),
      revisions: { 'gitops-release': 'release' },
      tasks: [
        { name: 'direct', branches: ['direct'], args: [IMAGE, FILEPATH, '-create-pull-request=false'] },
        {
          name: 'named',
          branches: ['named'],
          args: [
            IMAGE,
            FILEPATH,
            `-branch=dispatchd/github/${APP}/named-env`,
            '-commit-message=chore(named): roll out $(context.git.commit)',
          ],
        },
        { name: 'rel', branches: ['rel'], args: [IMAGE, FILEPATH], resource: 'gitops-release' },
      ],
    });
    await rig.gh.git.commit(GITOPS, 'release', { 'rel/README.md': 'release line\n' }, 'release branch');
  });
  after(async () => rig?.close());

  it('-create-pull-request=false commits straight to the base, no pull request', async () => {
    const { sha } = await rig.push('direct', '1.0.0');
    await rig.stack.idle();
    assert.match(
      (await rig.gh.git.readFile(GITOPS, 'main', 'direct/application.yaml')) ?? '',
      new RegExp(`direct-${sha}`),
    );
    assert.equal(rig.gh.pulls(GITOPS).length, 0);
    assert.ok(!(await rig.gh.git.branches(GITOPS)).some((b) => b.startsWith('dispatchd/')), 'no head branch');
    assert.equal(lastStatus(rig.gh, sha, 'dispatchd/direct')?.state, 'success');
    const [top] = await rig.gh.git.log(GITOPS, 'main', 1);
    assert.match(top!.message, new RegExp(`Dispatchd-Commit: ${sha}\\nDispatchd-Ref: refs/heads/direct`));
  });

  it("-branch names the head branch exactly (inside the source's namespace); -commit-message is the commit message", async () => {
    const { sha } = await rig.push('named', '1.0.0');
    await rig.stack.idle();
    const pr = rig.gh.pulls(GITOPS).find((p) => p.state === 'open');
    assert.equal(pr?.head, `dispatchd/github/${APP}/named-env`);
    assert.equal(pr?.base, 'main');
    const [top] = await rig.gh.git.log(GITOPS, `dispatchd/github/${APP}/named-env`, 1);
    assert.equal(top!.message.split('\n')[0], `chore(named): roll out ${sha}`);
  });

  it("the git resource's revision param is the base branch", async () => {
    const { sha } = await rig.push('rel', '1.0.0');
    await rig.stack.idle();
    const pr = rig.gh.pulls(GITOPS).find((p) => p.state === 'open' && p.base === 'release');
    assert.ok(pr, `a PR into release; statuses: ${JSON.stringify(rig.gh.statuses(APP, sha))}`);
    assert.equal(pr.head, `dispatchd/github/${APP}/rel`);
    assert.equal(
      await rig.gh.git.readFile(GITOPS, pr.head, 'rel/README.md'),
      'release line\n',
      'built on top of release, not main',
    );
  });
});
