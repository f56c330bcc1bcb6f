import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  environmentDir,
  isContentChange,
  renderTree,
  writeRendered,
  type RenderedFile,
} from '../../../src/gitops/render/index.js';
import { copyOfTree, FIXTURE, GOLDEN, GOLDEN_REVISION, GOLDEN_SOURCE, GOLDEN_VALUES } from './tree.js';

async function goldenFiles(env: string): Promise<string[]> {
  return (await readdir(path.join(GOLDEN, env))).map((name) => `${env}/${name}`).sort();
}

function renderEnv(root: string, env: string): Promise<RenderedFile[]> {
  return renderTree({
    root,
    workingSubdir: '',
    filepath: `${env}/*.tmpl`,
    values: GOLDEN_VALUES,
    gitRevision: GOLDEN_REVISION,
    source: GOLDEN_SOURCE,
  });
}

describe('golden renders of the fixture GitOps tree', () => {
  for (const env of ['staging', 'production']) {
    it(`renders ${env} exactly as the golden files`, async () => {
      const files = await renderEnv(FIXTURE, env);
      assert.deepStrictEqual(
        files.map((f) => f.path),
        await goldenFiles(env),
      );
      for (const file of files) {
        assert.equal(file.template, `${file.path}.tmpl`);
        assert.equal(
          file.after,
          await readFile(path.join(GOLDEN, file.path), 'utf8'),
          `${file.path} differs from its golden file`,
        );
      }
    });
  }

  it('reports what is on disk as before: the old staging render, nothing yet in production', async () => {
    const staging = await renderEnv(FIXTURE, 'staging');
    const app = staging.find((f) => f.path === 'staging/application.yaml');
    assert.equal(app?.before, await readFile(path.join(FIXTURE, 'staging/application.yaml'), 'utf8'));
    assert.ok(app !== undefined && isContentChange(app));
    assert.equal(staging.find((f) => f.path === 'staging/kustomization.yaml')?.before, null);
    for (const file of await renderEnv(FIXTURE, 'production')) assert.equal(file.before, null);
  });

  it('gives identical bytes when the same input is rendered twice', async () => {
    assert.deepStrictEqual(await renderEnv(FIXTURE, 'staging'), await renderEnv(FIXTURE, 'staging'));
  });

  it('selects with ** and by default renders every template in the tree', async () => {
    const all = await renderTree({ root: FIXTURE, workingSubdir: '', values: GOLDEN_VALUES });
    assert.deepStrictEqual(
      all.map((f) => f.path),
      [...(await goldenFiles('production')), ...(await goldenFiles('staging'))],
    );
    const deep = await renderTree({
      root: FIXTURE,
      workingSubdir: '',
      filepath: '**/kustomization.yaml.tmpl',
      values: GOLDEN_VALUES,
    });
    assert.deepStrictEqual(
      deep.map((f) => f.path),
      ['production/kustomization.yaml', 'staging/kustomization.yaml'],
    );
  });

  it('takes -filepath relative to the working subdirectory', async () => {
    const files = await renderTree({
      root: FIXTURE,
      workingSubdir: 'staging',
      filepath: 'app*.tmpl',
      values: GOLDEN_VALUES,
    });
    assert.deepStrictEqual(
      files.map((f) => [f.path, f.template]),
      [['staging/application.yaml', 'staging/application.yaml.tmpl']],
    );
  });

  it('accepts -filepath naming a directory or the rendered file', async () => {
    const byDir = await renderTree({ root: FIXTURE, workingSubdir: '', filepath: 'production', values: GOLDEN_VALUES });
    assert.equal(byDir.length, 3);
    const byOutput = await renderTree({
      root: FIXTURE,
      workingSubdir: '',
      filepath: 'production/settings.json',
      values: GOLDEN_VALUES,
    });
    assert.deepStrictEqual(
      byOutput.map((f) => f.path),
      ['production/settings.json'],
    );
  });

  it('fails when -filepath selects nothing, listing what is there', async () => {
    await assert.rejects(
      renderTree({ root: FIXTURE, workingSubdir: '', filepath: 'stagign/*.tmpl', values: GOLDEN_VALUES }),
      /no template matches -filepath "stagign\/\*\.tmpl".*staging\/application\.yaml\.tmpl/,
    );
  });
});

describe('environmentDir', () => {
  const cases: Array<[string | undefined, string, string]> = [
    ['staging/*.tmpl', '', 'staging'],
    ['staging/application.yaml.tmpl', '', 'staging'],
    ['staging/**/*.tmpl', 'apps', 'apps/staging'],
    ['./production/', '', 'production'],
    ['production', '', 'production'],
    ['**/*.tmpl', '', ''],
    ['*.tmpl', 'apps/', 'apps'],
    [undefined, '', ''],
    [undefined, 'apps', 'apps'],
    ['clusters/eu/{a,b}/*.tmpl', '', 'clusters/eu'],
  ];
  for (const [filepath, subdir, expected] of cases) {
    it(`is "${expected}" for -filepath ${String(filepath)} in "${subdir}"`, () => {
      assert.equal(environmentDir(filepath, subdir), expected);
    });
  }
  it('refuses a -filepath that leaves the tree', () => {
    assert.throws(() => environmentDir('../other/*.tmpl', ''), /contains "\.\."/);
    assert.throws(() => environmentDir('/etc/*.tmpl', ''), /is absolute/);
  });
});

describe('writeRendered', () => {
  let tree: { root: string; cleanup: () => Promise<void> };
  before(async () => {
    tree = await copyOfTree();
  });
  after(() => tree.cleanup());

  it('writes the rendered files beside their templates, after which nothing is left to change', async () => {
    const files = await renderEnv(tree.root, 'staging');
    await writeRendered(tree.root, files);
    for (const file of files) {
      assert.equal(
        await readFile(path.join(tree.root, file.path), 'utf8'),
        await readFile(path.join(GOLDEN, file.path), 'utf8'),
      );
    }
    const again = await renderEnv(tree.root, 'staging');
    assert.ok(
      again.every((f) => f.before === f.after),
      'a second render finds every file up to date',
    );
    const entries = await readdir(path.join(tree.root, 'staging'));
    assert.deepStrictEqual(
      entries.filter((e) => e.includes('dispatchd-')),
      [],
      'no temporary files left behind',
    );
  });

  it('gives a rendered file its template permissions', async () => {
    await chmod(path.join(tree.root, 'production/kustomization.yaml.tmpl'), 0o750);
    await writeRendered(tree.root, await renderEnv(tree.root, 'production'));
    assert.equal((await stat(path.join(tree.root, 'production/kustomization.yaml'))).mode & 0o777, 0o750);
    assert.equal((await stat(path.join(tree.root, 'production/settings.json'))).mode & 0o777, 0o644);
  });

  it('treats a new revision alone as a header-only change', async () => {
    const files = await renderTree({
      root: tree.root,
      workingSubdir: '',
      filepath: 'staging/*.tmpl',
      values: GOLDEN_VALUES,
      gitRevision: 'ffff',
      source: GOLDEN_SOURCE,
    });
    const app = files.find((f) => f.path === 'staging/application.yaml');
    assert.ok(app !== undefined && app.before !== app.after);
    assert.equal(isContentChange(app), false);
  });
});
