import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const run = promisify(execFile);
const IMAGE = '-substitute=imageName=$(inputs.resources.docker-image.url)';
const FILEPATH = '-filepath=$(context.build.name)/**';

/** Commits symlinks (mode 120000) straight into the bare repository, as a git user could push them. */
async function commitSymlinks(bare: string, branch: string, links: Record<string, string>): Promise<void> {
  const env = {
    ...process.env,
    GIT_INDEX_FILE: `${bare}/tmp-index`,
    GIT_AUTHOR_NAME: 'x',
    GIT_AUTHOR_EMAIL: 'x@x',
    GIT_COMMITTER_NAME: 'x',
    GIT_COMMITTER_EMAIL: 'x@x',
  };
  const git = async (args: string[], input?: string) => {
    const p = run('git', args, { cwd: bare, env });
    if (input !== undefined) p.child.stdin?.end(input);
    return (await p).stdout.trim();
  };
  await git(['read-tree', branch]);
  for (const [path, target] of Object.entries(links)) {
    const blob = await git(['hash-object', '-w', '--stdin'], target);
    await git(['update-index', '--add', '--cacheinfo', `120000,${blob},${path}`]);
  }
  const tree = await git(['write-tree']);
  const commit = await git(['commit-tree', tree, '-p', branch, '-m', 'symlinks']);
  await git(['update-ref', `refs/heads/${branch}`, commit]);
}

describe('GitOps safety: grants, traversal and symlinks', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'staging/application.yaml.tmpl': deployment('staging'),
        'production/application.yaml.tmpl': deployment('production'),
        'evil2/application.yaml.tmpl': deployment('evil2'),
      },
      grantPaths: ['staging/**', 'evil/**', 'evil2/**'],
      tasks: [
        { name: 'deploy', branches: ['staging', 'production', 'evil', 'evil2'], args: [IMAGE, FILEPATH] },
        { name: 'escape', branches: ['escape'], args: [IMAGE, '-filepath=../outside/**'] },
      ],
    });
    await commitSymlinks(rig.gh.git.bareDir(GITOPS), 'main', {
      'evil/application.yaml.tmpl': '/etc/passwd',
      'evil2/application.yaml': '../../../../../../tmp/dispatchd-evil-out',
    });
  });
  after(async () => rig?.close());

  async function pushAndSettle(branch: string) {
    const before = rig.gh.git.pushes;
    const { sha } = await rig.push(branch, `${branch}-1`);
    await rig.stack.idle();
    return { sha, pushed: rig.gh.git.pushes - before };
  }

  it('a path outside the grant fails with a status naming it, and nothing is pushed', async () => {
    const { sha, pushed } = await pushAndSettle('production');
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(
      s?.description ?? '',
      /^not granted: production\/application\.yaml in no allow\[\]\.paths; github:acme\/hello-world → github:acme\/hello-world-gitops/,
    );
    assert.equal(pushed, 0);
    assert.equal(rig.gh.pulls(GITOPS).length, 0);
  });

  it('the granted path still works (the grant is not simply refusing everything)', async () => {
    const { sha, pushed } = await pushAndSettle('staging');
    assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
    assert.equal(pushed, 1);
  });

  it('-filepath=../x in a Dispatchfile is refused before anything is fetched', async () => {
    const { sha, pushed } = await pushAndSettle('escape');
    const s = rig.gh.statuses(APP, sha).at(-1);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /-filepath "\.\.\/outside\/\*\*" contains "\.\."/);
    assert.equal(pushed, 0);
  });

  it('a template that is a symlink leaving the GitOps repo is refused', async () => {
    const { sha, pushed } = await pushAndSettle('evil');
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /refusing path "evil\/application\.yaml\.tmpl".*symlink/);
    assert.equal(pushed, 0);
  });

  it('an output file that is a symlink leaving the GitOps repo is refused', async () => {
    const { sha, pushed } = await pushAndSettle('evil2');
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', /refusing path "evil2\/application\.yaml"/);
    assert.equal(pushed, 0);
  });
});
