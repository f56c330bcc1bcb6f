import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { APP, deployment, GITOPS, lastStatus, startRig, type Rig } from '../gitops/rig.js';

// Commit statuses may show a registry's address as "<address>" (statuses leave out addresses).
const shownHost = (host: string) => `(?:${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|<address>)`;
const IMAGE = '-substitute=imageName=$(inputs.resources.docker-image.url)@$(inputs.resources.docker-image.digest)';

describe('Image digests from the real docker-registry, end to end', () => {
  let registry: TestRegistry;
  let rig: Rig;

  before(async () => {
    registry = await startRegistry();
    rig = await startRig({
      imageUrl: `${registry.host}/acme/hello-world:$(context.build.name)`,
      gitopsFiles: Object.fromEntries(
        ['present', 'late', 'absent'].map((d) => [`${d}/application.yaml.tmpl`, deployment(d)]),
      ),
      tasks: [
        {
          name: 'deploy',
          branches: ['present', 'late', 'absent'],
          args: [IMAGE, '-filepath=$(context.build.name)/**'],
        },
      ],
      extraConfig: `registries:\n  - host: "${registry.host}"\n    insecure: true\ndigestWait: 4s\n`,
    });
  });
  after(async () => {
    await rig?.close();
    await registry?.close();
  });

  const rendered = (dir: string) =>
    rig.gh.git.readFile(GITOPS, `dispatchd/github/${APP}/${dir}`, `${dir}/application.yaml`);

  it('present: the pushed tag resolves to its manifest digest in the rendered file', async () => {
    const digest = await registry.pushImage('acme/hello-world', 'present');
    // Another version: the same change on a branch of main within the same second would be the
    // very same commit as the missing one, and share its statuses.
    await rig.push('present', '2');
    await rig.stack.idle();
    assert.match(
      (await rendered('present')) ?? '',
      new RegExp(`image: ${registry.host}/acme/hello-world:present@${digest}\\n`),
    );
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
    assert.match(
      s?.description ?? '',
      new RegExp(
        `image ${shownHost(registry.host)}/acme/hello-world:absent was not found on registry ${shownHost(registry.host)}`,
      ),
    );
    assert.equal(await rendered('absent'), null);
  });
});

describe('A digest wait does not hold a worker slot', () => {
  let registry: TestRegistry;
  let rig: Rig;
  const WAIT_MS = 6000;

  before(async () => {
    registry = await startRegistry();
    rig = await startRig({
      imageUrl: `${registry.host}/acme/slots:$(context.build.name)`,
      gitopsFiles: Object.fromEntries(['missing', 'present'].map((d) => [`${d}/application.yaml.tmpl`, deployment(d)])),
      tasks: [
        { name: 'deploy', branches: ['missing', 'present'], args: [IMAGE, '-filepath=$(context.build.name)/**'] },
      ],
      // One GitOps slot: if the wait held it, the second environment could not run until the wait ended.
      extraConfig: `registries:\n  - host: "${registry.host}"\n    insecure: true\ndigestWait: ${WAIT_MS / 1000}s\nworkers:\n  tasks: 1\n`,
    });
  });
  after(async () => {
    await rig?.close();
    await registry?.close();
  });

  const until = async <T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 20_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('a missing image waits as a delayed job while another environment opens its PR; then fails naming the image', async () => {
    const gitops = rig.stack.producer.gitops;
    const pushedAt = Date.now();
    const missing = await rig.push('missing', '1');
    // The missing environment's job has looked once and given its slot back.
    const wait = (j: { data: unknown }) => (j.data as { digestWait?: { since: number } }).digestWait;
    const waiting = await until('the missing image job to be delayed', async () =>
      (await gitops.getJobs(['delayed'])).find((j) => wait(j) !== undefined),
    );
    const since = wait(waiting)!.since;
    // The plan posts its statuses beside the GitOps job, which may be delayed first.
    await until('the pending status', () => (lastStatus(rig.gh, missing.sha)?.state === 'pending' ? true : undefined));

    const digest = await registry.pushImage('acme/slots', 'present');
    // Another version: the same change on a branch of main within the same second would be the
    // very same commit as the missing one, and share its statuses.
    await rig.push('present', '2');
    const pr = await until('the present PR', () => rig.gh.pulls(GITOPS).find((p) => p.head.endsWith('/present')));
    const prOpenedAt = Date.now();
    assert.match(pr.body ?? '', new RegExp(digest));
    // The PR opened within the other environment's wait, through the one slot, with that job still delayed (same id).
    assert.ok(prOpenedAt < since + WAIT_MS, `PR opened ${prOpenedAt - since} ms into a ${WAIT_MS} ms wait`);
    const still = await gitops.getJob(waiting.id!);
    assert.ok(
      ['delayed', 'waiting', 'active'].includes(await still!.getState()),
      'the waiting job is the same job, not finished',
    );
    assert.equal(lastStatus(rig.gh, missing.sha)?.state, 'pending', JSON.stringify(rig.gh.statuses(APP, missing.sha)));

    await rig.stack.idle(WAIT_MS + 20_000);
    const s = lastStatus(rig.gh, missing.sha);
    assert.equal(s?.state, 'failure');
    assert.match(
      s?.description ?? '',
      new RegExp(
        `image ${shownHost(registry.host)}/acme/slots:missing was not found on registry ${shownHost(registry.host)} after waiting 6 s`,
      ),
    );
    assert.ok(Date.now() - pushedAt >= WAIT_MS, 'it failed only after digestWait');
    const done = await gitops.getJob(waiting.id!);
    assert.equal(await done?.getState(), 'completed');
    assert.ok(done!.finishedOn! >= since + WAIT_MS, `finished ${done!.finishedOn! - since} ms after the first look`);
  });
});
