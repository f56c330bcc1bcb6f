import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { planChanges } from '../../../src/gitops/changes.js';
import { parseUpdateGitopsFlags } from '../../../src/gitops/flags.js';
import { isContentChange, writeRendered } from '../../../src/gitops/render/index.js';
import { k8sTool, run } from '../../helpers/k8s-tools.js';

const TREE = fileURLToPath(new URL('../../fixtures/edits/tree', import.meta.url));
const DIGEST = `sha256:${'4b8e'.repeat(16)}`;

interface Doc {
  kind: string;
  spec?: { template: { spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } } };
  data?: Record<string, string>;
}
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Doc);
const deploymentImage = (yaml: string) =>
  docs(yaml).find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0]?.image;

/** Applies a step's flags to a copy of the tree exactly as an update would (plan, then write). */
async function applyStep(root: string, args: string[]): Promise<string[]> {
  const { files } = await planChanges({ root, workingSubdir: '', flags: parseUpdateGitopsFlags(args) });
  const changed = files.filter(isContentChange);
  await writeRendered(root, changed);
  return changed.map((f) => f.path);
}

// Real tools: helm v4 and kubectl v1.33 (kustomize v5.6 inside), from scripts/fetch-k8s-tool.sh.
describe('edits proven on real tools', () => {
  let base: string;
  let root: string;
  before(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'dispatchd-edits-')));
    root = path.join(base, 'gitops');
    await cp(TREE, root, { recursive: true });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('after -set-image the Kustomize overlay builds with the new image, and only images: changed', async () => {
    const kubectl = k8sTool('kubectl');
    const overlay = path.join(root, 'overlays/staging');
    assert.equal(
      deploymentImage(run(kubectl, ['kustomize', overlay], root)),
      'registry.example.com/acme/hello-world:1.0.0',
    );
    const before = await readFile(path.join(overlay, 'kustomization.yaml'), 'utf8');
    const files = await applyStep(root, [
      `-set-image=overlays/staging:hello-world=registry.example.com/acme/hello-world@${DIGEST}`,
      '-set-value=overlays/staging/patch.yaml:data.release=1.2.3',
    ]);
    assert.deepEqual(files, ['overlays/staging/kustomization.yaml', 'overlays/staging/patch.yaml']);
    const built = run(kubectl, ['kustomize', overlay], root);
    assert.equal(deploymentImage(built), `registry.example.com/acme/hello-world@${DIGEST}`);
    assert.equal(docs(built).find((d) => d.kind === 'ConfigMap')?.data?.release, '1.2.3');
    // The strategic-merge patch in the other document still applies.
    const env = docs(built).find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0]?.env;
    assert.deepEqual(env, [{ name: 'LOG_LEVEL', value: 'debug' }]);
    const after = await readFile(path.join(overlay, 'kustomization.yaml'), 'utf8');
    assert.equal(after, before.replace('    newTag: "1.0.0"\n', `    digest: ${DIGEST}\n`));
  });

  it('after -set-value helm template renders the chart with the new image, values file otherwise untouched', async () => {
    const helm = k8sTool('helm');
    const chart = path.join(root, 'charts/hello-world');
    const values = path.join(root, 'charts/values-staging.yaml');
    const render = () => run(helm, ['template', 'rel', chart, '-f', values], root);
    assert.equal(deploymentImage(render()), 'registry.example.com/acme/hello-world:1.0.0');
    const before = await readFile(values, 'utf8');
    await applyStep(root, ['-set-value=charts/values-staging.yaml:image.tag=1.2.3']);
    assert.equal(deploymentImage(render()), 'registry.example.com/acme/hello-world:1.2.3');
    assert.equal(await readFile(values, 'utf8'), before.replace('tag: "1.0.0"', 'tag: "1.2.3"'));
  });

  it('a second identical step changes nothing: no file to commit', async () => {
    assert.deepEqual(await applyStep(root, ['-set-value=charts/values-staging.yaml:image.tag=1.2.3']), []);
  });
});
