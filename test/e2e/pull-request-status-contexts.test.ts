import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { deployment } from '../gitops/rig.js';
import { gitlabMergeRequestBody } from '../helpers/gitlab-merge-request.js';
import { gitlabPushBody } from '../helpers/gitlab-push.js';
import { prDispatchfile } from '../helpers/pr-dispatchfile.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { eventually } from './fixtures.js';

const TOKEN = 'glpat-pr-contexts-1234567890';
const SECRET = 'gitlab-pr-contexts-secret';
const APP = 'acme/platform/hello-world';
const GITOPS = 'acme/platform/hello-world-gitops';

/**
 * A commit that a push and a pull request both plan (main's tip, proposed into `release`), each
 * with a `build` task: the push reports under `dispatchd/<task>`, the pull request under
 * `dispatchd/pr/<task>`, so neither overwrites the other's verdict. GitLab emulator, real service.
 */
describe('push and pull-request plans of one commit keep their own status contexts', { timeout: 120_000 }, () => {
  let gl: GitlabEmulator;
  let stack: Stack;

  const send = async (event: string, body: string, deliveryId: string) => {
    const signed = signedRequest('gitlab', body, SECRET, { event, deliveryId });
    const res = await request(stack.server).post('/hooks/gitlab').set(signed.headers).send(signed.rawBody.toString());
    assert.equal(res.status, 202, JSON.stringify(res.body));
  };

  before(async () => {
    gl = await startGitlabEmulator({ token: TOKEN });
    await gl.git.createRepo(GITOPS, {
      files: {
        'README.md': '# gitops\n',
        'previews/application.yaml.tmpl': deployment('previews'),
        'staging/application.yaml.tmpl': deployment('staging'),
      },
    });
    const df = prDispatchfile({
      gitopsUrl: `${gl.url}/${GITOPS}.git`,
      condition: '{targets: ["release"]}',
      withPush: true,
    });
    await gl.git.createRepo(APP, { files: { Dispatchfile: df, VERSION: '1\n' } });
    stack = await startStack(`
hosts:
  gitlab: {kind: gitlab, url: "${gl.url}", apiUrl: "${gl.apiUrl}", token: ${TOKEN}, webhookSecret: ${SECRET}}
repositories:
  - {host: gitlab, repo: ${APP}}
gitops:
  - repo: gitlab:${GITOPS}
    allow:
      - {from: "gitlab:${APP}", paths: ["staging/**"]}
      - {from: "gitlab:${APP}", pullRequests: true, paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
  });
  after(async () => {
    await stack?.stop();
    await gl?.close();
  });

  it('the push and the merge request each post build and deploy statuses under their own contexts', async () => {
    const before = (await gl.git.revParse(APP, 'main'))!;
    await gl.git.commit(APP, 'release', { VERSION: '1\n' }, 'release branch');
    const sha = await gl.git.commit(APP, 'main', { VERSION: '2\n' }, 'v2');
    await send('Push Hook', gitlabPushBody({ repo: APP, base: gl.url, branch: 'main', before, after: sha }), 'push-1');
    await send(
      'Merge Request Hook',
      gitlabMergeRequestBody({
        repo: APP,
        base: gl.url,
        iid: 7,
        action: 'open',
        source: 'main',
        target: 'release',
        sha,
      }),
      'mr-1',
    );
    await stack.idle(60_000);
    const final = (name: string) =>
      eventually(
        () =>
          gl
            .statuses(APP, sha)
            .filter((s) => s.name === name && s.status !== 'pending' && s.status !== 'running')
            .at(-1),
        30_000,
        name,
      );
    for (const name of ['dispatchd/build', 'dispatchd/deploy', 'dispatchd/pr/build', 'dispatchd/pr/preview'])
      assert.equal((await final(name)).status, 'success', name);
    assert.match((await final('dispatchd/deploy')).description ?? '', /staging/);
    assert.match((await final('dispatchd/pr/preview')).description ?? '', /previews/);
    const heads = (await gl.git.branches(GITOPS)).filter((b) => b.startsWith('dispatchd/'));
    assert.deepEqual(heads.sort(), [`dispatchd/gitlab/${APP}/previews`, `dispatchd/gitlab/${APP}/staging`]);
  });
});
