import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runRender } from '../../../src/cli/render.js';
import { PermanentError } from '../../../src/core/errors.js';
import { planChanges } from '../../../src/gitops/changes.js';
import { stepEnvironmentDir } from '../../../src/gitops/edits/index.js';
import { parseUpdateGitopsFlags } from '../../../src/gitops/flags.js';
import { checkFlagValues } from '../../../src/gitops/value-hygiene.js';

const TREE = fileURLToPath(new URL('../../fixtures/edits/tree', import.meta.url));
const plan = (root: string, args: string[], workingSubdir = '') =>
  planChanges({ root, workingSubdir, flags: parseUpdateGitopsFlags(args) });
const refused = (code: string, pattern: RegExp) => (err: unknown) =>
  err instanceof PermanentError && err.code === code && pattern.test(err.message);

describe('edits in a GitOps checkout', () => {
  let base: string;
  let root: string;
  before(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'dispatchd-edit-plan-')));
    root = path.join(base, 'gitops');
    await cp(TREE, root, { recursive: true });
    await writeFile(path.join(base, 'outside.yaml'), 'a: 1\n');
    await symlink(path.join(base, 'outside.yaml'), path.join(root, 'escape.yaml'));
    await writeFile(path.join(root, 'charts/values-prod.yaml.tmpl'), 'image:\n  tag: $({ .tag })\n');
    await writeFile(path.join(root, 'charts/values-prod.yaml'), 'image:\n  tag: old\n');
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('applies two edits of one file in order, reporting both', async () => {
    const { files, changes } = await plan(root, [
      '-set-value=charts/values-staging.yaml:image.tag=1.2.3',
      '-set-value=charts/values-staging.yaml:replicaCount=4',
    ]);
    assert.deepEqual(
      files.map((f) => [f.path, f.editedBy]),
      [['charts/values-staging.yaml', ['-set-value image.tag', '-set-value replicaCount']]],
    );
    assert.deepEqual(
      changes(files).map((c) => [c.key, c.before, c.after]),
      [
        ['image.tag', '1.0.0', '1.2.3'],
        ['replicaCount', '2', '4'],
      ],
    );
    // Read-only: nothing was written.
    assert.match(await readFile(path.join(root, 'charts/values-staging.yaml'), 'utf8'), /tag: "1\.0\.0"/);
  });

  it('takes files relative to the working subdirectory', async () => {
    const { files } = await plan(root, ['-set-image=staging:hello-world:2'], 'overlays');
    assert.deepEqual(
      files.map((f) => f.path),
      ['overlays/staging/kustomization.yaml'],
    );
  });

  for (const [file, code, pattern] of [
    ['../outside.yaml', 'gitops_path_outside', /must be a path inside the step's workingDir, without "\.\."/],
    ['/etc/passwd.yaml', 'gitops_path_outside', /not absolute/],
    ['escape.yaml', 'gitops_path_outside', /symlink to .*outside the checkout/],
    ['charts/missing.yaml', 'gitops_edit_file_missing', /charts\/missing\.yaml does not exist/],
    ['charts', 'gitops_edit_file_missing', /charts is a directory; name the YAML file/],
  ] as const) {
    it(`refuses -set-value on ${file}`, async () => {
      await assert.rejects(plan(root, [`-set-value=${file}:a=2`]), refused(code, pattern));
    });
  }

  it('refuses -set-image on a directory without a kustomization', async () => {
    await assert.rejects(
      plan(root, ['-set-image=charts:hello-world:2']),
      refused('gitops_edit_file_missing', /charts has no kustomization\.yaml/),
    );
  });

  it('refuses to edit a file that a template renders', async () => {
    await assert.rejects(
      plan(root, ['-filepath=charts/*.tmpl', '-substitute=tag=1', '-set-value=charts/values-prod.yaml:image.tag=2']),
      refused('gitops_edit_conflict', /charts\/values-prod\.yaml is rendered from charts\/values-prod\.yaml\.tmpl/),
    );
  });

  it('renders no templates when a step only edits', async () => {
    const { files } = await plan(root, ['-set-value=charts/values-staging.yaml:image.tag=9']);
    assert.ok(!files.some((f) => f.path.endsWith('values-prod.yaml')));
  });

  it('dispatchd render shows the edit as a diff and changes nothing', async () => {
    const before = await readdir(root, { recursive: true });
    const r = await runRender(['--dir', root, '-set-image=overlays/staging:hello-world:1.2.3']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^environment: overlays\/staging$/m);
    assert.match(
      r.stdout,
      /^would update overlays\/staging\/kustomization\.yaml \(edited by -set-image hello-world\)$/m,
    );
    assert.match(r.stdout, /^-    newTag: "1\.0\.0"\n\+    newTag: "1\.2\.3"$/m);
    assert.deepEqual(await readdir(root, { recursive: true }), before);
    const bad = await runRender(['--dir', root, '-set-value=charts/values-staging.yaml:image.digest=x']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /image\.digest does not exist .*use -create-value/);
  });
});

describe('the environment of a step with edits', () => {
  const env = (args: string[], sub = '') => stepEnvironmentDir(parseUpdateGitopsFlags(args), sub);
  it('is the deepest directory holding every edited file when there is no -filepath', () => {
    assert.equal(env(['-set-image=overlays/staging:a:1']), 'overlays/staging');
    assert.equal(
      env(['-set-image=overlays/staging:a:1', '-set-value=overlays/staging/patch.yaml:a=1']),
      'overlays/staging',
    );
    assert.equal(env(['-set-value=staging/values.yaml:a=1', '-set-value=staging/app/x.yaml:a=1']), 'staging');
    assert.equal(env(['-set-value=values.yaml:a=1'], 'apps'), 'apps');
  });
  it('is the -filepath directory, and edits must stay inside it', () => {
    assert.equal(env(['-filepath=staging/*.tmpl', '-set-value=staging/values.yaml:a=1']), 'staging');
    assert.throws(
      () => env(['-filepath=staging/*.tmpl', '-set-value=production/values.yaml:a=1']),
      refused('gitops_edit_outside_environment', /production\/values\.yaml, outside the environment "staging"/),
    );
  });
});

describe('edit flags are checked when the push is planned', () => {
  const check = (args: string[]) => () => checkFlagValues(parseUpdateGitopsFlags(args));
  it('refuses control characters and malformed edits', () => {
    assert.throws(check(['-set-value=v.yaml:a=1\nb: 2']), /-set-value: the value contains a newline/);
    assert.throws(
      check(['-set-value=v.yaml']),
      /-set-value "v\.yaml" has no ":" between the file and what to set; write it as -set-value=staging\/values\.yaml:image\.tag=v1\.2\.3/,
    );
    assert.throws(check(['-set-image=staging:nginx']), /sets neither a new name, a tag nor a digest/);
  });
  it('accepts a digest stand-in while the real digest is not known yet', () => {
    check(['-set-image=staging:app=registry.example.com/app@sha256:digest'])();
  });
});
