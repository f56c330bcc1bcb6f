import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseImageSpec } from '../../../src/gitops/edits/image-spec.js';
import { setImage } from '../../../src/gitops/edits/set-image.js';

const KUSTOMIZATION = readFileSync(
  fileURLToPath(new URL('../../fixtures/edits/kustomization.yaml', import.meta.url)),
  'utf8',
);
const DIGEST = `sha256:${'4b8e'.repeat(16)}`;
const set = (spec: string, text = KUSTOMIZATION) =>
  setImage('staging/kustomization.yaml', text, { kind: 'image', file: 'staging', image: parseImageSpec(spec) });

function withReplaced(from: string, to: string): string {
  assert.equal(KUSTOMIZATION.split(from).length, 2, `"${from}" occurs once`);
  return KUSTOMIZATION.replace(from, to);
}

// The entry semantics are those of `kustomize edit set image` (kustomize docs: images field and
// the edit command); the exact bytes are ours: only the changed lines differ.
describe('-set-image: a kustomization images entry, as kustomize edit set image sets it', () => {
  it('name:tag replaces the tag in place, keeping quotes, comments and order', () => {
    const r = set('hello-world:1.2.3');
    assert.equal(r.text, withReplaced('newTag: "1.0.0"', 'newTag: "1.2.3"'));
    assert.deepEqual(r.change, {
      key: 'images[hello-world]',
      before: 'registry.example.com/acme/hello-world:1.0.0',
      after: 'registry.example.com/acme/hello-world:1.2.3',
    });
  });

  it('name=newName@digest pins the digest and drops the tag (one of the two, as kustomize does)', () => {
    const r = set(`hello-world=registry.example.com/acme/hello-world@${DIGEST}`);
    // newTag goes with its line; digest is added as the entry's last key, where newTag stood.
    assert.equal(r.text, withReplaced('    newTag: "1.0.0"\n', `    digest: ${DIGEST}\n`));
    assert.ok(!r.text.includes('newTag: "1.0.0"'));
  });

  it('name=newName:tag@digest sets both, newName first, for a registry with a port', () => {
    const r = set(`redis=localhost:5000/redis:7.4@${DIGEST}`);
    assert.equal(
      r.text,
      withReplaced(
        "    newTag: '7.2'\n",
        `    newTag: '7.4'\n    newName: localhost:5000/redis\n    digest: ${DIGEST}\n`,
      ),
    );
  });

  it('adds a missing entry at the end of images:, in the list style of the file', () => {
    const r = set('nginx=mirror.example.com/nginx:1.27');
    assert.equal(
      r.text,
      withReplaced(
        "    newTag: '7.2'\n",
        '    newTag: \'7.2\'\n  - name: nginx\n    newName: mirror.example.com/nginx\n    newTag: "1.27"\n',
      ),
    );
    assert.equal(r.change?.before, null);
  });

  it('adds images: to a kustomization that has none', () => {
    const r = set('app=reg.example.com/app:2', 'resources: [deploy.yaml]\n');
    assert.equal(
      r.text,
      'resources: [deploy.yaml]\nimages:\n- name: app\n  newName: reg.example.com/app\n  newTag: "2"\n',
    );
  });

  it('changes nothing when the entry already says so', () => {
    const r = set('hello-world=registry.example.com/acme/hello-world:1.0.0');
    assert.equal(r.text, KUSTOMIZATION);
    assert.equal(r.change, null);
  });

  it('refuses a flow-style images list and says how to fix it', () => {
    assert.throws(() => set('a:1', 'images: [{name: a, newTag: "0"}]\n'), /images:` is not a block list/);
  });
});

describe('image arguments of kustomize edit set image', () => {
  const cases: [string, ReturnType<typeof parseImageSpec>][] = [
    ['nginx:1.27', { name: 'nginx', newTag: '1.27' }],
    [`nginx@${DIGEST}`, { name: 'nginx', digest: DIGEST }],
    ['nginx=mirror/nginx', { name: 'nginx', newName: 'mirror/nginx' }],
    ['nginx=localhost:5000/nginx:1.27', { name: 'nginx', newName: 'localhost:5000/nginx', newTag: '1.27' }],
    [`app=r.example.com/a/b:v1@${DIGEST}`, { name: 'app', newName: 'r.example.com/a/b', newTag: 'v1', digest: DIGEST }],
  ];
  for (const [raw, want] of cases) it(raw, () => assert.deepEqual(parseImageSpec(raw), want));
  for (const bad of ['nginx', '=x:1', 'nginx@notadigest', 'a=b:bad tag']) {
    it(`refuses ${bad}`, () =>
      assert.throws(() => parseImageSpec(bad), /-set-image image ".*" .*; write it as kustomize edit set image does/));
  }
});
