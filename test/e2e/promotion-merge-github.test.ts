import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './fixtures.js';
import { APP, deployment, GITOPS, startRig, TOKEN, type Rig } from '../gitops/rig.js';

const STAGING_HEAD = `dispatchd/github/${APP}/staging`;
const PROD_HEAD = `dispatchd/github/${APP}/production`;
const GATE = 'argocd/hello-world-staging';
const CHECK = 'ci/validate';

/**
 * A promotion set to merge when green (`promotions[].merge: true`) on the GitHub emulator: the
 * production PR is merged only once its required check passes; a failed check leaves it open
 * with a comment. Staging merges when green too (its task asks for it), which is also what grants
 * the `merge` mode to the source branch that the promotion is written under. Either merge path
 * (GitHub's auto-merge or dispatchd's own) may be taken: the test asserts what a user sees.
 */
describe('Promotion PR set to merge when green (GitHub)', { timeout: 240_000 }, () => {
  let rig: Rig;
  const api = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${rig.gh.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const status = (sha: string, state: string, context: string, description = state) =>
    api('POST', `/repos/${GITOPS}/statuses/${sha}`, { state, context, description });
  const pull = (n: number) => rig.gh.pulls(GITOPS).find((p) => p.number === n)!;
  /** The open PR of `head` once its head renders `image` (head read first: `headSha` is never older). */
  const prWith = (head: string, file: string, image: string) =>
    eventually(
      async () => {
        const tip = await rig.gh.git.revParse(GITOPS, head);
        const body = tip ? await rig.gh.git.readFile(GITOPS, tip, file) : undefined;
        const pr = rig.gh.pulls(GITOPS).find((p) => p.head === head && p.state === 'open');
        return body?.includes(image) && pr?.headSha === tip ? pr : undefined;
      },
      60_000,
      `the ${head} PR rendering ${image}`,
    );
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** A push to main through staging (merged when green) and its gate, up to the production PR. */
  const throughStaging = async (version: string) => {
    const v = await rig.push('main', version);
    const staging = await prWith(STAGING_HEAD, 'staging/app.yaml', `main-${v.sha}`);
    await status(staging.headSha, 'success', CHECK);
    await eventually(() => (pull(staging.number).merged ? true : undefined), 60_000, 'the staging merge');
    const main = (await rig.gh.git.revParse(GITOPS, 'main'))!;
    await status(main, 'success', GATE, 'Healthy');
    return { v, production: await prWith(PROD_HEAD, 'production/app.yaml', `main-${v.sha}`) };
  };

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'staging/app.yaml.tmpl': deployment('staging'),
        'production/app.yaml.tmpl': deployment('production'),
      },
      tasks: [
        {
          name: 'deploy',
          branches: ['main'],
          args: [
            '-substitute=imageName=$(inputs.resources.docker-image.url)',
            '-filepath=staging/**',
            '-merge-pull-request',
          ],
        },
      ],
      merge: { requiredChecks: [CHECK] },
      promotions: [{ from: 'staging', to: 'production', gate: { status: { context: GATE } }, merge: true }],
    });
  });
  after(async () => rig?.close());

  it('merges the production PR only after its required check turns green', async () => {
    const { v, production } = await throughStaging('1.0.0');
    await pause(2500);
    assert.equal(pull(production.number).merged, false, 'no check reported yet: not merged');
    await status(production.headSha, 'pending', CHECK);
    await pause(2500);
    assert.equal(pull(production.number).merged, false, 'check pending: not merged');
    assert.equal(pull(production.number).state, 'open');
    await status(production.headSha, 'success', CHECK);
    await eventually(() => (pull(production.number).merged ? true : undefined), 60_000, 'the production merge');
    assert.match((await rig.gh.git.readFile(GITOPS, 'main', 'production/app.yaml')) ?? '', new RegExp(`main-${v.sha}`));
  });

  it('leaves the production PR open with a comment naming the failed check', async () => {
    const { production } = await throughStaging('2.0.0');
    await status(production.headSha, 'failure', CHECK, 'schema invalid');
    const comment = await eventually(
      () => rig.gh.comments(GITOPS, production.number).find((c) => /not merging/.test(c.body)),
      60_000,
      'the comment on the production PR',
    );
    assert.match(comment.body, new RegExp(`${CHECK}`));
    assert.match(comment.body, /schema invalid/);
    await pause(2500);
    assert.equal(pull(production.number).state, 'open', 'a failed check leaves it open');
    assert.equal(pull(production.number).merged, false);
    // No webhook reaches this rig: the environments view has the check from the merge job's look.
    const view = (await rig.adminCall('get', '/api/environments')).body.environments.find(
      (e: { dir: string }) => e.dir === 'production',
    );
    assert.equal(view.pr?.number, production.number);
    assert.deepEqual(view.pr?.failed, [CHECK]);
    assert.equal(view.pr?.checks[0]?.description, 'schema invalid');
  });
});
