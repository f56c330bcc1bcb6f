import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { createDigestResolver, type WaitInfo } from '../../src/registry/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startServer, type Answer } from './loopback-server.js';

describe('digest resolution against docker-registry', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry.close();
  });

  it('returns the digest of a pushed tag', async () => {
    const pushed = await registry.pushImage('team/present', 'v1');
    const resolver = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 1000 });
    assert.equal(await resolver.resolve(`${registry.host}/team/present:v1`), pushed);
  });

  it('follows a tag to the newest push', async () => {
    const resolver = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 1000 });
    const first = await registry.pushImage('team/moving', 'staging', { configBody: '{"build":1}' });
    assert.equal(await resolver.resolve(`${registry.host}/team/moving:staging`), first);
    const second = await registry.pushImage('team/moving', 'staging', { configBody: '{"build":2}' });
    assert.notEqual(second, first);
    assert.equal(await resolver.resolve(`${registry.host}/team/moving:staging`), second);
  });

  it('uses "latest" when the reference has no tag', async () => {
    const pushed = await registry.pushImage('team/untagged', 'latest');
    const resolver = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 1000 });
    assert.equal(await resolver.resolve(`${registry.host}/team/untagged`), pushed);
  });

  it('waits for an image CI pushes after resolution started', async () => {
    const waits: WaitInfo[] = [];
    const resolver = createDigestResolver({
      registries: [{ host: registry.host, insecure: true }],
      waitMs: 5000,
      onWait: (info) => waits.push(info),
    });
    const resolving = resolver.resolve(`${registry.host}/team/late:abc123`);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const pushed = await registry.pushImage('team/late', 'abc123');
    assert.equal(await resolving, pushed);
    assert.ok(waits.length >= 1, 'it waited at least once before the push');
    assert.match(waits[0]!.reason, /404/);
    // Backoff grows between looks instead of polling at a fixed rate.
    assert.ok(waits.every((w, i) => i === 0 || w.delayMs >= waits[i - 1]!.delayMs / 2));
  });

  it('gives up after waitMs naming the reference and the registry', async () => {
    const resolver = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 1200 });
    const started = Date.now();
    await assert.rejects(resolver.resolve(`${registry.host}/team/absent:never`), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, 'image_not_found');
      assert.ok(
        error.message.includes(`image ${registry.host}/team/absent:never was not found on registry ${registry.host}`),
        error.message,
      );
      assert.match(error.message, /digestWait/);
      return true;
    });
    const elapsed = Date.now() - started;
    // Generous upper bound: the machine is shared; the point is that it does not wait on and on.
    assert.ok(elapsed >= 1200 && elapsed < 6000, `gave up after ${elapsed} ms`);
  });

  it('stops waiting when the job is aborted', async () => {
    const resolver = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 30_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('job cancelled')), 300);
    await assert.rejects(resolver.resolve(`${registry.host}/team/absent:aborted`, controller.signal), /job cancelled/);
    assert.ok(Date.now() - started < 5000);
  });

  it('hashes the manifest itself when the registry leaves out Docker-Content-Digest', async () => {
    const pushed = await registry.pushImage('team/proxied', 'v1');
    const proxy = await startServer(async (path, headers) => {
      const upstream = await fetch(`http://${registry.host}${path}`, { headers: { accept: headers.accept ?? '' } });
      const body = Buffer.from(await upstream.arrayBuffer());
      return { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? '' }, body };
    });
    try {
      const resolver = createDigestResolver({ registries: [{ host: proxy.host, insecure: true }], waitMs: 1000 });
      assert.equal(await resolver.resolve(`${proxy.host}/team/proxied:v1`), pushed);
    } finally {
      await proxy.close();
    }
  });

  it('returns a pinned digest without asking any registry', async () => {
    const digest = `sha256:${'0f'.repeat(32)}`;
    const resolver = createDigestResolver({
      registries: [],
      waitMs: 1000,
      fetch: () => Promise.reject(new Error('no request expected')),
    });
    assert.equal(await resolver.resolve(`ghcr.io/acme/app:v1@${digest}`), digest);
  });
});

describe('digest resolution when the registry is down', () => {
  it('retries within the wait budget, then fails as transient', async () => {
    const closed = await startServer(async () => ({ status: 200, headers: {}, body: Buffer.alloc(0) }));
    await closed.close();
    const waits: WaitInfo[] = [];
    const resolver = createDigestResolver({
      registries: [{ host: closed.host, insecure: true }],
      waitMs: 800,
      onWait: (info) => waits.push(info),
    });
    await assert.rejects(resolver.resolve(`${closed.host}/team/app:v1`), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.equal(error.code, 'registry_unavailable');
      assert.match(error.message, /ECONNREFUSED/);
      assert.ok(error.message.includes(`${closed.host}/team/app:v1`));
      return true;
    });
    assert.ok(waits.length >= 2, `retried ${waits.length} times`);
  });

  it('retries a 503 and succeeds once the registry recovers', async () => {
    const digest = `sha256:${'1a'.repeat(32)}`;
    let calls = 0;
    const flaky = await startServer(async (): Promise<Answer> => {
      calls++;
      return calls <= 2
        ? { status: 503, headers: { 'retry-after': '0' }, body: Buffer.alloc(0) }
        : { status: 200, headers: { 'docker-content-digest': digest }, body: Buffer.alloc(0) };
    });
    try {
      const resolver = createDigestResolver({ registries: [{ host: flaky.host, insecure: true }], waitMs: 5000 });
      assert.equal(await resolver.resolve(`${flaky.host}/team/app:v1`), digest);
      assert.equal(calls, 3);
    } finally {
      await flaky.close();
    }
  });
});
