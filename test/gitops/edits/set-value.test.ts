import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PermanentError } from '../../../src/core/errors.js';
import { parseKeyPath } from '../../../src/gitops/edits/key-path.js';
import { setValue } from '../../../src/gitops/edits/set-value.js';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/edits/${name}`, import.meta.url)), 'utf8');

const set = (file: string, path: string, value: string, create = false) =>
  setValue(file, fixture(file), { kind: 'value', file, path: parseKeyPath(path), value, create });

/** The fixture with exactly one piece of text replaced: every other byte must be the same. */
function withReplaced(file: string, from: string, to: string): string {
  const text = fixture(file);
  assert.equal(text.split(from).length, 2, `"${from}" occurs once in ${file}`);
  return text.replace(from, to);
}

describe('-set-value: one value by key path, every other byte kept', () => {
  it('replaces a double-quoted Helm tag inside its quotes', () => {
    const r = set('values-staging.yaml', 'image.tag', 'v1.2.3');
    assert.equal(r.text, withReplaced('values-staging.yaml', 'tag: "1.0.0"', 'tag: "v1.2.3"'));
    assert.deepEqual(r.change, { key: 'image.tag', before: '1.0.0', after: 'v1.2.3' });
  });

  it('keeps a plain number a number, and its trailing comment', () => {
    const r = set('values-staging.yaml', 'replicaCount', '3');
    assert.equal(r.text, withReplaced('values-staging.yaml', 'replicaCount: 2 ', 'replicaCount: 3 '));
  });

  it('edits inside a flow mapping, quoting a value that would break it', () => {
    const r = set('values-staging.yaml', 'podAnnotations.team', 'a, b');
    assert.equal(r.text, withReplaced('values-staging.yaml', '{team: payments,', '{team: "a, b",'));
  });

  it('quotes a plain value that YAML would read as another type', () => {
    const r = set('values-staging.yaml', 'resources.limits.cpu', '1.10');
    assert.equal(r.text, withReplaced('values-staging.yaml', 'cpu: 500m', 'cpu: "1.10"'));
  });

  it("selects an Argo CD Application's helm parameter by name, keeping single quotes", () => {
    const r = set('application.yaml', 'spec.source.helm.parameters[name=image.tag].value', '1.2.3');
    assert.equal(r.text, withReplaced('application.yaml', "value: '1.0.0'", "value: '1.2.3'"));
    assert.equal(r.change?.before, '1.0.0');
  });

  it('addresses list items by index', () => {
    const r = set('application.yaml', 'spec.source.helm.parameters[2].value', '4');
    assert.equal(r.text, withReplaced('application.yaml', 'value: "2"', 'value: "4"'));
  });

  it('finds the key in a later document of a Kustomize patch file', () => {
    const r = set('patch.yaml', 'data.release', '1.2.3');
    assert.equal(r.text, withReplaced('patch.yaml', 'release: "1.0.0"', 'release: "1.2.3"'));
    const env = set('patch.yaml', 'spec.template.spec.containers[name=hello-world].env[name=LOG_LEVEL].value', 'info');
    assert.equal(env.text, withReplaced('patch.yaml', 'value: debug', 'value: info'));
  });

  it('reports no change when the value is already there', () => {
    const r = set('values-staging.yaml', 'image.tag', '1.0.0');
    assert.equal(r.text, fixture('values-staging.yaml'));
    assert.equal(r.change, null);
  });

  it('fails on a key path that does not exist, saying how far it got and about -create-value', () => {
    assert.throws(
      () => set('values-staging.yaml', 'image.digest', 'sha256:abc'),
      (err: unknown) =>
        err instanceof PermanentError &&
        err.code === 'gitops_edit_invalid' &&
        /^values-staging\.yaml: image\.digest does not exist \(found up to image\); check the key path, or use -create-value to add it$/.test(
          err.message,
        ),
    );
  });

  it('-create-value adds the missing keys at the end of their mapping, indented like it', () => {
    const r = set('values-staging.yaml', 'image.digest', 'sha256:abc', true);
    assert.equal(
      r.text,
      withReplaced(
        'values-staging.yaml',
        '  pullPolicy: IfNotPresent\n',
        '  pullPolicy: IfNotPresent\n  digest: sha256:abc\n',
      ),
    );
    const deep = set('values-staging.yaml', 'podLabels.release.channel', 'beta', true);
    assert.equal(deep.text, `${fixture('values-staging.yaml')}podLabels:\n  release:\n    channel: beta\n`);
    assert.deepEqual(deep.change, { key: 'podLabels.release.channel', before: null, after: 'beta' });
  });

  it('refuses what it cannot set in place, naming the reason', () => {
    const mapping = () => set('values-staging.yaml', 'image', 'x');
    assert.throws(mapping, /values-staging\.yaml: image is a mapping, not a value; name a key below it/);
    const block = () =>
      setValue('b.yaml', 'a: |\n  text\n', {
        kind: 'value',
        file: 'b.yaml',
        path: parseKeyPath('a'),
        value: 'x',
        create: false,
      });
    assert.throws(block, /b\.yaml: a is a block scalar/);
    const alias = () =>
      setValue('c.yaml', 'base: &b {tag: 1}\nstaging: *b\n', {
        kind: 'value',
        file: 'c.yaml',
        path: parseKeyPath('staging.tag'),
        value: '2',
        create: false,
      });
    assert.throws(alias, /c\.yaml: staging is an alias \(\*b\); edit the anchor instead/);
    const flow = () => set('values-staging.yaml', 'podAnnotations.extra', 'x', true);
    assert.throws(flow, /podAnnotations is a flow mapping/);
    const broken = () =>
      setValue('d.yaml', 'a: [1\n', {
        kind: 'value',
        file: 'd.yaml',
        path: parseKeyPath('a'),
        value: 'x',
        create: false,
      });
    assert.throws(broken, /d\.yaml: is not valid YAML/);
  });
});

describe('key paths', () => {
  it('reads dots, escaped dots, indexes and field selectors', () => {
    assert.deepEqual(parseKeyPath('a\\.b.c[0][name=image.tag].value'), [
      { kind: 'key', key: 'a.b' },
      { kind: 'key', key: 'c' },
      { kind: 'index', index: 0 },
      { kind: 'match', field: 'name', equals: 'image.tag' },
      { kind: 'key', key: 'value' },
    ]);
  });
  for (const bad of ['', 'a..b', 'a.', 'a[', 'a[x]', '__proto__.x']) {
    it(`refuses "${bad}" with an example`, () => {
      assert.throws(() => parseKeyPath(bad), /key path ".*" .*; write keys separated by "\."/);
    });
  }
});
