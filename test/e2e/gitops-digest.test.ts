import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

const IMAGE = '-substitute=imageName=$(inputs.resources.docker-image.url)@$(inputs.resources.docker-image.digest)';

describe('Image digests from the real docker-registry, end to end', () => {
  let registry: TestRegistry;
  let rig: Rig;

  before(async () => {
    registry = await startRegistry();
    rig = await startRig({
      imageUrl: `${registry.host}/acme/hello-world:$(context.build.name)`,
      gitopsFiles: Object.fromEntries(['present', 'late', 'absent'].map((d) => [`${d}/application.yaml.tmpl`, deployment(d)])),
      tasks: [{ name: 'deploy', branches: ['present', 'late', 'absent'], args: [IMAGE, '-filepath=$(context.build.name)/**'] }],
      extraConfig: `registries:\n  - host: "${registry.host}"\n    insecure: true\ndigestWait: 4s\n`,
    });
  });
  after(async () => {
    await rig?.close();
    await registry?.close();
  });

  const rendered = (dir: string) => rig.gh.git.readFile(GITOPS, `dispatchd/github/${APP}/${dir}`, `${dir}/application.yaml`);

  it('present: the pushed tag resolves to its manifest digest in the rendered file', async () => {
    const digest = await registry.pushImage('acme/hello-world', 'present');
    await rig.push('present', '1');
    await rig.stack.idle();
    assert.match((await rendered('present')) ?? '', new RegExp(`image: ${registry.host}/acme/hello-world:present@${digest}\\n`));
    const pr = rig.gh.pulls(GITOPS).find((p) => p.head.endsWith('/present'));
    assert.match(pr?.body ?? '', new RegExp(digest));
  });

  it('pushed late: dispatchd waits for CI to push the tag', async () => {
    const { sha } = await rig.push('late', '1');
    await new Promise((r) => setTimeout(r, 1200));
    const digest = await registry.pushImage('acme/hello-world', 'late');
    await rig.stack.idle(20_000);
    assert.match((await rendered('late')) ?? '', new RegExp(`@${digest}\\n`));
    assert.equal(lastStatus(rig.gh, sha)?.state, 'success');
  });

  it('absent: a failure status says which image was not found on which registry', async () => {
    const { sha } = await rig.push('absent', '1');
    await rig.stack.idle(20_000);
    const s = lastStatus(rig.gh, sha);
    assert.equal(s?.state, 'failure');
    assert.match(s?.description ?? '', new RegExp(`image ${registry.host}/acme/hello-world:absent was not found on registry ${registry.host}`));
    assert.equal(await rendered('absent'), null);
  });
});
