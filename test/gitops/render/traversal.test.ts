import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PermanentError } from '../../../src/core/errors.js';
import { resolveInside } from '../../../src/gitops/paths.js';
import { renderTree, writeRendered } from '../../../src/gitops/render/index.js';
import { copyOfTree, GOLDEN_VALUES } from './tree.js';

const refused =
  (pattern: RegExp) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof PermanentError, `expected PermanentError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };

describe('resolveInside', () => {
  let root: string;
  let outside: string;
  before(async () => {
    const base = await realpath(await mkdtemp(path.join(tmpdir(), 'dispatchd-paths-')));
    root = path.join(base, 'checkout');
    outside = path.join(base, 'outside');
    await mkdir(path.join(root, 'staging'), { recursive: true });
    await mkdir(outside);
    await symlink('/etc', path.join(root, 'etc-link'));
    await symlink(outside, path.join(root, 'sibling-link'));
    await symlink('../outside/secret', path.join(root, 'staging', 'relative-out'));
    await symlink('staging', path.join(root, 'inside-link'));
    await symlink(path.join(root, 'nowhere'), path.join(root, 'dangling'));
  });
  after(() => rm(path.dirname(root), { recursive: true, force: true }));

  it('returns the path under root for plain and not-yet-existing paths', async () => {
    assert.equal(await resolveInside(root, 'staging/app.yaml'), path.join(root, 'staging/app.yaml'));
    assert.equal(await resolveInside(root, './new/dir/file'), path.join(root, 'new/dir/file'));
    assert.equal(await resolveInside(root, ''), root);
  });

  it('allows a symlink that stays inside the tree', async () => {
    assert.equal(await resolveInside(root, 'inside-link/app.yaml'), path.join(root, 'inside-link/app.yaml'));
  });

  const cases: Array<[string, string, RegExp]> = [
    ['".."', '../outside/secret', /contains "\.\."/],
    ['".." that comes back inside', 'staging/../staging/app.yaml', /contains "\.\."/],
    ['an absolute path', '/etc/passwd', /is absolute/],
    ['a symlink to /etc', 'etc-link/passwd', /"etc-link" is a symlink to \/etc, outside the checkout/],
    ['a symlink to a sibling directory', 'sibling-link/x', /"sibling-link" is a symlink to .*outside/],
    ['a relative symlink leaving the tree', 'staging/relative-out', /"staging\/relative-out" is a symlink/],
    ['a dangling symlink', 'dangling', /symlink to a missing target/],
  ];
  for (const [name, rel, pattern] of cases) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(resolveInside(root, rel), refused(pattern));
    });
  }
});

describe('rendering never leaves the checkout', () => {
  let tree: { root: string; cleanup: () => Promise<void> };
  let secret: string;
  before(async () => {
    tree = await copyOfTree();
    secret = path.join(path.dirname(tree.root), 'secret.yaml');
    await writeFile(secret, 'password: hunter2\n');
  });
  after(() => tree.cleanup());

  const render = (filepath: string, workingSubdir = '') =>
    renderTree({ root: tree.root, workingSubdir, filepath, values: GOLDEN_VALUES });

  it('refuses -filepath with ".." or an absolute path', async () => {
    await assert.rejects(render('../*.tmpl'), refused(/-filepath "\.\.\/\*\.tmpl" contains "\.\."/));
    await assert.rejects(render('staging/../../x.tmpl'), refused(/contains "\.\."/));
    await assert.rejects(render('/etc/*.tmpl'), refused(/-filepath "\/etc\/\*\.tmpl" is absolute/));
  });

  it('refuses a working directory with ".." or one that is a symlink leaving the tree', async () => {
    await assert.rejects(render('*.tmpl', '..'), refused(/working directory "\.\." contains "\.\."/));
    await symlink('/etc', path.join(tree.root, 'etc'));
    await assert.rejects(render('*.tmpl', 'etc'), refused(/"etc" is a symlink to \/etc/));
  });

  it('refuses a template that is a symlink to a file outside', async () => {
    await symlink(secret, path.join(tree.root, 'staging', 'stolen.yaml.tmpl'));
    await assert.rejects(render('staging/*.tmpl'), refused(/staging\/stolen\.yaml\.tmpl.*outside the checkout/));
    await rm(path.join(tree.root, 'staging', 'stolen.yaml.tmpl'));
  });

  it('refuses to read or write an output that is a symlink to /etc or outside', async () => {
    const out = path.join(tree.root, 'production', 'application.yaml');
    await symlink('/etc/hostname', out);
    await assert.rejects(
      render('production/*.tmpl'),
      refused(/"production\/application\.yaml" is a symlink to \/etc\/hostname/),
    );
    await rm(out);

    const files = await render('production/*.tmpl');
    await symlink(secret, out); // swapped in between render and write
    await assert.rejects(writeRendered(tree.root, files), refused(/outside the checkout/));
    assert.equal(await readFile(secret, 'utf8'), 'password: hunter2\n');
    await rm(out);
  });

  it('refuses to write a file whose path leaves the tree', async () => {
    const forged = [
      { path: '../secret.yaml', template: 'staging/application.yaml.tmpl', before: null, after: 'x: 1\n' },
    ];
    await assert.rejects(writeRendered(tree.root, forged), refused(/contains "\.\."/));
    assert.equal(await readFile(secret, 'utf8'), 'password: hunter2\n');
  });
});
