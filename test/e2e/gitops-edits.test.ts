import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { APP, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/edits/${name}`, import.meta.url)), 'utf8');
const KUSTOMIZATION = fixture('kustomization.yaml');
const VALUES = fixture('values-staging.yaml');
// A Prometheus rule kept as an update-gitops-repo template: {{ }} is Prometheus', $({ }) ours.
const RULE = `groups:\n  - name: hello\n    rules:\n      - alert: Down\n        annotations:\n          summary: "{{ $labels.instance }} down ($({ .tag }))"\n`;

describe('-set-image and -set-value through the real service, beside a template', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig({
      gitopsFiles: {
        'staging/kustomization.yaml': KUSTOMIZATION,
        'staging/values.yaml': VALUES,
        'staging/rule.yaml.tmpl': RULE,
        'pinned/values.yaml': VALUES,
        'production/kustomization.yaml': KUSTOMIZATION,
      },
      grantPaths: ['staging/**', 'pinned/**'],
      tasks: [
        {
          name: 'staging',
          branches: ['staging'],
          args: [
            '-filepath=staging/*.tmpl',
            '-substitute=tag=$(context.build.name)-$(context.git.commit)',
            '-set-image=staging:hello-world=$(inputs.resources.docker-image.url)',
            '-set-value=staging/values.yaml:image.tag=$(context.build.name)-$(context.git.commit)',
            '-git-revision=$(context.git.commit)',
          ],
        },
        { name: 'pinned', branches: ['pinned'], args: ['-set-value=pinned/values.yaml:image.tag=1.0.0'] },
        {
          name: 'production',
          branches: ['production'],
          args: ['-set-image=production:hello-world=$(inputs.resources.docker-image.url)'],
        },
      ],
    });
  });
  after(async () => rig?.close());

  it('one step renders its template and edits the overlay and the values in one PR, other bytes kept', async () => {
    const { sha } = await rig.push('staging', '1.0.0');
    await rig.stack.idle();
    assert.equal(
      lastStatus(rig.gh, sha, 'dispatchd/staging')?.state,
      'success',
      JSON.stringify(rig.gh.statuses(APP, sha)),
    );
    const pr = rig.gh.pulls(GITOPS).find((p) => p.state === 'open' && p.head.endsWith('/staging'));
    assert.ok(pr, 'one PR for the staging environment');
    const read = (file: string) => rig.gh.git.readFile(GITOPS, pr.head, file);
    const tag = `staging-${sha}`;
    assert.equal(
      await read('staging/kustomization.yaml'),
      KUSTOMIZATION.replace('newTag: "1.0.0"', `newTag: "${tag}"`),
    );
    assert.equal(await read('staging/values.yaml'), VALUES.replace('tag: "1.0.0"', `tag: "${tag}"`));
    assert.match(
      (await read('staging/rule.yaml')) ?? '',
      new RegExp(`summary: "\\{\\{ \\$labels.instance \\}\\} down \\(${tag}\\)"`),
    );
    assert.match(pr.body ?? '', /images\[hello-world\]/);
    assert.match(pr.body ?? '', new RegExp(`image\\.tag.*1\\.0\\.0.*${tag}`));
    assert.equal(rig.gh.pulls(GITOPS).filter((p) => p.head.endsWith('/staging')).length, 1);
  });

  it('a newer push updates the same PR to the newer image', async () => {
    const { sha } = await rig.push('staging', '1.0.1');
    await rig.stack.idle();
    const prs = rig.gh.pulls(GITOPS).filter((p) => p.head.endsWith('/staging'));
    assert.equal(prs.length, 1);
    const text = await rig.gh.git.readFile(GITOPS, prs[0]!.head, 'staging/kustomization.yaml');
    assert.equal(text, KUSTOMIZATION.replace('newTag: "1.0.0"', `newTag: "staging-${sha}"`));
  });

  it('an edit that changes nothing is up to date: no commit, no PR', async () => {
    const { sha } = await rig.push('pinned', '1.0.0');
    await rig.stack.idle();
    assert.equal(lastStatus(rig.gh, sha, 'dispatchd/pinned')?.state, 'success');
    assert.ok(!rig.gh.pulls(GITOPS).some((p) => p.head.endsWith('/pinned')));
    assert.ok(!(await rig.gh.git.branches(GITOPS)).some((b) => b.endsWith('/pinned')));
  });

  it('an edit of a path the grant does not cover is refused, and nothing is pushed', async () => {
    const { sha } = await rig.push('production', '1.0.0');
    await rig.stack.idle();
    const status = lastStatus(rig.gh, sha, 'dispatchd/production');
    assert.equal(status?.state, 'failure');
    assert.match(status?.description ?? '', /production\/kustomization\.yaml/);
    assert.ok(!(await rig.gh.git.branches(GITOPS)).some((b) => b.endsWith('/production')));
  });
});
