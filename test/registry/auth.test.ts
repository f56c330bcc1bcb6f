import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { PermanentError } from '../../src/core/errors.js';
import { createDigestResolver } from '../../src/registry/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startServer, type Answer } from './loopback-server.js';

const CI = { user: 'ci-bot', password: 's3cret-pass' };

function rejectsWith(code: string, ...needles: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PermanentError, String(error));
    assert.equal(error.code, code, error.message);
    for (const needle of needles)
      assert.ok(error.message.includes(needle), `"${needle}" missing from: ${error.message}`);
    return true;
  };
}

describe('registry with basic auth (htpasswd)', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ htpasswd: CI });
  });
  after(async () => {
    await registry.close();
  });

  it('resolves with the configured credentials', async () => {
    const pushed = await registry.pushImage('team/private', 'v1');
    const resolver = createDigestResolver({
      registries: [{ host: registry.host, username: CI.user, password: CI.password, insecure: true }],
      waitMs: 1000,
    });
    assert.equal(await resolver.resolve(`${registry.host}/team/private:v1`), pushed);
  });

  it('says which config entry to add when there are no credentials, without waiting', async () => {
    await registry.pushImage('team/private', 'v2');
    // Credentials for another registry must not be sent here.
    const resolver = createDigestResolver({
      registries: [
        { host: '127.0.0.1:1', username: CI.user, password: CI.password },
        { host: registry.host, insecure: true },
      ],
      waitMs: 30_000,
    });
    const started = Date.now();
    await assert.rejects(
      resolver.resolve(`${registry.host}/team/private:v2`),
      rejectsWith('registry_credentials_missing', `registry ${registry.host} requires credentials`, 'registries:'),
    );
    assert.ok(Date.now() - started < 5000, 'an auth fault is not waited on');
  });

  it('names the registry and its config entry (never the user: statuses may be public) when the password is wrong', async () => {
    const resolver = createDigestResolver({
      registries: [{ host: registry.host, username: CI.user, password: 'wrong', insecure: true }],
      waitMs: 5000,
    });
    await assert.rejects(
      resolver.resolve(`${registry.host}/team/private:v1`),
      rejectsWith(
        'registry_credentials_rejected',
        `configured credentials for registry ${registry.host}`,
        'registries: entry',
      ),
    );
    await resolver
      .resolve(`${registry.host}/team/private:v1`)
      .catch((err: Error) => assert.ok(!err.message.includes(CI.user), 'the user name stays in the config'));
  });
});

describe('registry with bearer-token auth', () => {
  let anonymous: TestRegistry;
  let guarded: TestRegistry;
  before(async () => {
    [anonymous, guarded] = await Promise.all([
      startRegistry({ tokenAuth: true }),
      startRegistry({ tokenAuth: true, htpasswd: CI }),
    ]);
  });
  after(async () => {
    await Promise.all([anonymous.close(), guarded.close()]);
  });

  it('fetches an anonymous token and reuses it until it expires', async () => {
    const pushed = await anonymous.pushImage('team/public', 'v1');
    let clock = Date.now();
    const resolver = createDigestResolver({
      registries: [{ host: anonymous.host, insecure: true, tokenHosts: [anonymous.tokenHost!] }],
      waitMs: 1000,
      now: () => clock,
    });
    assert.equal(await resolver.resolve(`${anonymous.host}/team/public:v1`), pushed);
    assert.equal(await resolver.resolve(`${anonymous.host}/team/public:v1`), pushed);
    assert.equal(anonymous.tokensIssued(), 1, 'one token for two lookups');
    // The token server grants 300 s; past that the resolver asks for a new one.
    clock += 301_000;
    assert.equal(await resolver.resolve(`${anonymous.host}/team/public:v1`), pushed);
    assert.equal(anonymous.tokensIssued(), 2);
  });

  it('shares one token request between lookups running at once', async () => {
    const pushed = await anonymous.pushImage('team/burst', 'v1');
    const before = anonymous.tokensIssued();
    const resolver = createDigestResolver({
      registries: [{ host: anonymous.host, insecure: true, tokenHosts: [anonymous.tokenHost!] }],
      waitMs: 1000,
    });
    const digests = await Promise.all([1, 2, 3].map(() => resolver.resolve(`${anonymous.host}/team/burst:v1`)));
    assert.deepEqual(digests, [pushed, pushed, pushed]);
    assert.equal(anonymous.tokensIssued() - before, 1);
  });

  it('sends the configured credentials to the token service', async () => {
    const pushed = await guarded.pushImage('team/private', 'v1');
    const resolver = createDigestResolver({
      registries: [
        {
          host: guarded.host,
          username: CI.user,
          password: CI.password,
          insecure: true,
          tokenHosts: [guarded.tokenHost!],
        },
      ],
      waitMs: 1000,
    });
    assert.equal(await resolver.resolve(`${guarded.host}/team/private:v1`), pushed);
  });

  it('says credentials are needed when the token service wants them', async () => {
    await guarded.pushImage('team/private', 'v2');
    const resolver = createDigestResolver({
      registries: [{ host: guarded.host, insecure: true, tokenHosts: [guarded.tokenHost!] }],
      waitMs: 5000,
    });
    await assert.rejects(
      resolver.resolve(`${guarded.host}/team/private:v2`),
      rejectsWith('registry_credentials_missing', `registry ${guarded.host} requires credentials`),
    );
  });

  it('says the token service refused the configured credentials, without the user name', async () => {
    const resolver = createDigestResolver({
      registries: [
        { host: guarded.host, username: CI.user, password: 'wrong', insecure: true, tokenHosts: [guarded.tokenHost!] },
      ],
      waitMs: 5000,
    });
    await assert.rejects(
      resolver.resolve(`${guarded.host}/team/private:v1`),
      rejectsWith('registry_credentials_rejected', 'configured credentials', 'token service'),
    );
    // Nor the configured token host: this text can reach a public commit status.
    await assert.rejects(
      resolver.resolve(`${guarded.host}/team/private:v1`),
      (error: Error) => !error.message.includes(guarded.tokenHost!) && !error.message.includes(CI.user),
    );
  });

  it('still waits for a tag that is not pushed yet', async () => {
    const resolver = createDigestResolver({
      registries: [
        {
          host: guarded.host,
          username: CI.user,
          password: CI.password,
          insecure: true,
          tokenHosts: [guarded.tokenHost!],
        },
      ],
      waitMs: 5000,
    });
    const resolving = resolver.resolve(`${guarded.host}/team/late:v1`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pushed = await guarded.pushImage('team/late', 'v1');
    assert.equal(await resolving, pushed);
  });
});

describe('credentials stay with their host', () => {
  it('drops Authorization when the registry redirects to another origin', async () => {
    const digest = `sha256:${'2b'.repeat(32)}`;
    const seen: IncomingHttpHeaders[] = [];
    const storage = await startServer(async (_path, headers) => {
      seen.push(headers);
      return { status: 200, headers: { 'docker-content-digest': digest }, body: Buffer.alloc(0) };
    });
    const expected = `Basic ${Buffer.from(`${CI.user}:${CI.password}`).toString('base64')}`;
    const front = await startServer(async (path, headers): Promise<Answer> =>
      headers.authorization === expected
        ? { status: 307, headers: { location: `http://${storage.host}${path}` }, body: Buffer.alloc(0) }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="front"' }, body: Buffer.alloc(0) },
    );
    try {
      const resolver = createDigestResolver({
        registries: [{ host: front.host, username: CI.user, password: CI.password, insecure: true }],
        waitMs: 1000,
      });
      assert.equal(await resolver.resolve(`${front.host}/team/app:v1`), digest);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.authorization, undefined);
    } finally {
      await Promise.all([front.close(), storage.close()]);
    }
  });

  it('does not answer a challenge from the host a registry redirected to', async () => {
    const realmCalls: IncomingHttpHeaders[] = [];
    const realm = await startServer(async (_path, headers): Promise<Answer> => {
      realmCalls.push(headers);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"token":"t"}') };
    });
    const elsewhere = await startServer(async (): Promise<Answer> => ({
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="http://${realm.host}/token",service="x"` },
      body: Buffer.alloc(0),
    }));
    const front = await startServer(async (path): Promise<Answer> => ({
      status: 307,
      headers: { location: `http://${elsewhere.host}${path}` },
      body: Buffer.alloc(0),
    }));
    try {
      const resolver = createDigestResolver({
        registries: [{ host: front.host, username: CI.user, password: CI.password, insecure: true }],
        waitMs: 1000,
      });
      await assert.rejects(
        resolver.resolve(`${front.host}/team/app:v1`),
        rejectsWith('registry_auth_redirected', elsewhere.host),
      );
      assert.equal(realmCalls.length, 0, 'the redirect target named a realm; nothing was sent to it');
    } finally {
      await Promise.all([front.close(), elsewhere.close(), realm.close()]);
    }
  });
});
