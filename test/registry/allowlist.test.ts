import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RegistryConfig } from '../../src/config/schema.js';
import { PermanentError } from '../../src/core/errors.js';
import { classifyAddress, hostMatches } from '../../src/registry/allowlist.js';
import { createDigestResolver } from '../../src/registry/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startServer, type Answer } from './loopback-server.js';

const CI = { user: 'ci-bot', password: 's3cret-pass' };
const BASIC = `Basic ${Buffer.from(`${CI.user}:${CI.password}`).toString('base64')}`;
const DIGEST = `sha256:${'5e'.repeat(32)}`;
const empty = Buffer.alloc(0);

/** The error's message names none of `leaks` (config values and addresses the pusher did not write). */
function lacks(...leaks: string[]) {
  return (error: unknown): boolean => {
    for (const leak of leaks)
      assert.ok(!(error as Error).message.includes(leak), `"${leak}" in: ${(error as Error).message}`);
    return true;
  };
}

function rejectsWith(code: string, ...needles: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PermanentError, String(error));
    assert.equal(error.code, code, error.message);
    for (const needle of needles)
      assert.ok(error.message.includes(needle), `"${needle}" missing from: ${error.message}`);
    return true;
  };
}

/** A loopback server that records every request it gets. */
async function recorder(
  answer: (path: string, headers: IncomingHttpHeaders) => Answer = () => ({
    status: 200,
    headers: { 'docker-content-digest': DIGEST },
    body: empty,
  }),
) {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = await startServer(async (path, headers) => {
    seen.push({ path, headers });
    return answer(path, headers);
  });
  return { ...server, seen };
}

describe('only listed registries are contacted', () => {
  it('refuses an unlisted registry at once, with the registries: line to add', async () => {
    const unlisted = await recorder();
    try {
      const resolver = createDigestResolver({ registries: [{ host: 'ghcr.io' }], waitMs: 30_000 });
      const started = Date.now();
      await assert.rejects(
        resolver.resolve(`${unlisted.host}/team/app:v1`),
        rejectsWith(
          'registry_not_allowed',
          `registry ${unlisted.host}`,
          'not listed under registries:',
          `"- host: ${unlisted.host}"`,
        ),
      );
      assert.ok(Date.now() - started < 2000, 'refused without waiting');
      assert.equal(unlisted.seen.length, 0, 'no request reached the unlisted registry');
    } finally {
      await unlisted.close();
    }
  });

  it('refuses Docker Hub too when it is not listed', async () => {
    const resolver = createDigestResolver({
      registries: [],
      waitMs: 1000,
      fetch: () => Promise.reject(new Error('no request expected')),
    });
    await assert.rejects(
      resolver.resolve('nginx:1.25'),
      rejectsWith('registry_not_allowed', 'image nginx:1.25 is on registry docker.io', '"- host: docker.io"'),
    );
  });

  it('matches a family of registries by pattern, one label per "*"', () => {
    const ecr = '*.dkr.ecr.us-east-1.amazonaws.com';
    assert.ok(hostMatches(ecr, '123456789012.dkr.ecr.us-east-1.amazonaws.com'));
    assert.ok(!hostMatches(ecr, 'a.b.dkr.ecr.us-east-1.amazonaws.com'), 'a "*" is one label');
    assert.ok(!hostMatches(ecr, '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example'));
    assert.ok(!hostMatches(ecr, '123456789012.dkr.ecr.us-east-1.amazonaws.com:8443'), 'the port is part of the host');
    assert.ok(!hostMatches(ecr, 'dkr.ecr.us-east-1.amazonaws.com'));
    assert.ok(hostMatches('https://ghcr.io/', 'ghcr.io'));
    assert.ok(hostMatches('docker.io', 'registry-1.docker.io'));
  });

  it('resolves through a pattern entry (the lookup pinned to a public address)', async () => {
    const seen: string[] = [];
    const fetchStub: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(null, { status: 200, headers: { 'docker-content-digest': DIGEST } });
    };
    const resolver = createDigestResolver({
      registries: [{ host: '*.dkr.ecr.us-east-1.amazonaws.com' }],
      waitMs: 1000,
      fetch: fetchStub,
      lookup: async () => [{ address: '203.0.113.7', family: 4 }],
    });
    assert.equal(await resolver.resolve('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1'), DIGEST);
    assert.deepEqual(seen, ['https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/team/app/manifests/v1']);
  });

  it('the config accepts a pattern only as whole leading labels before two fixed ones', () => {
    assert.ok(RegistryConfig.safeParse({ host: '*.dkr.ecr.us-east-1.amazonaws.com' }).success);
    for (const host of ['*', '*.com', 'reg*.example.com', 'a.*.example.com']) {
      assert.ok(!RegistryConfig.safeParse({ host }).success, host);
    }
    const parsed = RegistryConfig.parse({ host: 'ghcr.io' });
    assert.equal(parsed.allowPrivate, false);
    assert.deepEqual(parsed.tokenHosts, []);
  });
});

describe('private, loopback and link-local addresses', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry.close();
  });

  it('refuses a listed loopback registry without the opt-in, naming the address', async () => {
    const digest = await registry.pushImage('team/app', 'v1');
    const refused = createDigestResolver({ registries: [{ host: registry.host }], waitMs: 30_000 });
    const started = Date.now();
    await assert.rejects(
      refused.resolve(`${registry.host}/team/app:v1`),
      rejectsWith(
        'registry_address_refused',
        `registry ${registry.host} resolves to a loopback address`,
        'allowPrivate: true',
        "this registry's registries: entry",
      ),
    );
    assert.ok(Date.now() - started < 2000, 'refused without waiting');
    // The opt-ins: insecure allows loopback, allowPrivate any private address.
    for (const optIn of [{ insecure: true }, { allowPrivate: true }]) {
      const allowed = createDigestResolver({ registries: [{ host: registry.host, ...optIn }], waitMs: 1000 });
      assert.equal(await allowed.resolve(`${registry.host}/team/app:v1`), digest, JSON.stringify(optIn));
    }
  });

  it('refuses a name that resolves to a private address, even among public ones, before any request', async () => {
    const resolver = createDigestResolver({
      registries: [{ host: 'registry.internal.example', insecure: true }],
      waitMs: 30_000,
      fetch: () => Promise.reject(new Error('no request expected')),
      lookup: async () => [
        { address: '203.0.113.7', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
    await assert.rejects(
      resolver.resolve('registry.internal.example/team/app:v1'),
      rejectsWith('registry_address_refused', 'resolves to a private address', 'allowPrivate: true'),
    );
    // The resolved address is not the pusher's text: it stays out of a message that can reach a public status.
    await assert.rejects(resolver.resolve('registry.internal.example/team/app:v1'), lacks('10.1.2.3', '203.0.113.7'));
  });

  it('classifies the ranges dispatchd refuses', () => {
    const cases: Array<[string, string | undefined]> = [
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['fd00::1', 'private'],
      ['fc00::1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['172.32.0.1', undefined],
      ['8.8.8.8', undefined],
      ['2606:4700::1111', undefined],
      ['192.169.0.1', undefined],
    ];
    for (const [address, kind] of cases) assert.equal(classifyAddress(address), kind, address);
  });

  it('refuses a redirect to a private address; nothing is sent there', async () => {
    const front = await startServer(async (path): Promise<Answer> => ({
      status: 307,
      headers: { location: `http://internal.example:9/${path}` },
      body: empty,
    }));
    const requested: string[] = [];
    const fetchStub: typeof fetch = async (input, init) => {
      requested.push(String(input));
      return fetch(input, init);
    };
    try {
      const resolver = createDigestResolver({
        registries: [{ host: front.host, insecure: true }],
        waitMs: 30_000,
        fetch: fetchStub,
        lookup: async (name) => [{ address: name === 'internal.example' ? '192.168.0.10' : '127.0.0.1', family: 4 }],
      });
      await assert.rejects(
        resolver.resolve(`${front.host}/team/app:v1`),
        rejectsWith(
          'registry_address_refused',
          `a host that registry ${front.host} redirected to resolves to a private address`,
        ),
      );
      await assert.rejects(resolver.resolve(`${front.host}/team/app:v1`), lacks('internal.example', '192.168.0.10'));
      assert.ok(
        requested.every((u) => !u.includes('internal.example')),
        requested.join(', '),
      );
    } finally {
      await front.close();
    }
  });
});

describe('token realms', () => {
  it('does not contact a realm on another loopback service: the attack gets nothing', async () => {
    // The service a hostile registry wants dispatchd's requests (and credentials) sent to.
    const victim = await recorder(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"token":"victim-service-token"}'),
    }));
    const registryHits: IncomingHttpHeaders[] = [];
    const hostile = await startServer(async (_path, headers): Promise<Answer> => {
      registryHits.push(headers);
      return {
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="http://${victim.host}/token",service="hostile",scope="repository:team/app:pull"`,
        },
        body: empty,
      };
    });
    try {
      const resolver = createDigestResolver({
        registries: [{ host: hostile.host, username: CI.user, password: CI.password, insecure: true }],
        waitMs: 30_000,
      });
      const started = Date.now();
      await assert.rejects(
        resolver.resolve(`${hostile.host}/team/app:v1`),
        rejectsWith(
          'registry_realm_not_allowed',
          `registry ${hostile.host} sends clients to a token service on another host`,
          'add that host to tokenHosts',
        ),
      );
      // The realm's host is the registry's word, not the pusher's: it stays out of the message.
      await assert.rejects(resolver.resolve(`${hostile.host}/team/app:v1`), lacks(victim.host));
      assert.ok(Date.now() - started < 2000, 'refused without waiting');
      assert.equal(victim.seen.length, 0, 'the realm service received no request');
      assert.ok(
        registryHits.every((h) => h.authorization === undefined),
        'the registry got no token',
      );
    } finally {
      await Promise.all([victim.close(), hostile.close()]);
    }
  });

  it('uses a realm the entry lists in tokenHosts (docker-registry with its token server)', async () => {
    const registry = await startRegistry({ tokenAuth: true });
    try {
      const digest = await registry.pushImage('team/app', 'v1');
      const refused = createDigestResolver({ registries: [{ host: registry.host, insecure: true }], waitMs: 1000 });
      await assert.rejects(
        refused.resolve(`${registry.host}/team/app:v1`),
        rejectsWith('registry_realm_not_allowed', 'add that host to tokenHosts'),
      );
      await assert.rejects(refused.resolve(`${registry.host}/team/app:v1`), lacks(registry.tokenHost!));
      assert.equal(registry.tokensIssued(), 0);
      const allowed = createDigestResolver({
        registries: [{ host: registry.host, insecure: true, tokenHosts: [registry.tokenHost!] }],
        waitMs: 1000,
      });
      assert.equal(await allowed.resolve(`${registry.host}/team/app:v1`), digest);
      assert.equal(registry.tokensIssued(), 1);
    } finally {
      await registry.close();
    }
  });

  it('accepts a realm on the registry host itself', async () => {
    let tokenRequests = 0;
    const registry = await startServer(async (path, headers): Promise<Answer> => {
      if (path.startsWith('/token')) {
        tokenRequests++;
        return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"token":"own"}') };
      }
      if (headers.authorization === 'Bearer own')
        return { status: 200, headers: { 'docker-content-digest': DIGEST }, body: empty };
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="own"` },
        body: empty,
      };
    });
    const host = registry.host;
    try {
      const resolver = createDigestResolver({ registries: [{ host, insecure: true }], waitMs: 1000 });
      assert.equal(await resolver.resolve(`${host}/team/app:v1`), DIGEST);
      assert.equal(tokenRequests, 1);
    } finally {
      await registry.close();
    }
  });
});

describe('credentials go only to the host they are configured for, redirects included', () => {
  it('a token service redirecting elsewhere does not get the Basic credentials forwarded', async () => {
    const elsewhere = await recorder(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"token":"t"}'),
    }));
    const realm = await recorder(() => ({
      status: 307,
      headers: { location: `http://${elsewhere.host}/token` },
      body: empty,
    }));
    const registry = await startServer(async (_path, headers): Promise<Answer> =>
      headers.authorization === 'Bearer t'
        ? { status: 200, headers: { 'docker-content-digest': DIGEST }, body: empty }
        : {
            status: 401,
            headers: { 'www-authenticate': `Bearer realm="http://${realm.host}/token",service="s"` },
            body: empty,
          },
    );
    try {
      const resolver = createDigestResolver({
        registries: [
          { host: registry.host, username: CI.user, password: CI.password, insecure: true, tokenHosts: [realm.host] },
        ],
        waitMs: 1000,
      });
      assert.equal(await resolver.resolve(`${registry.host}/team/app:v1`), DIGEST);
      assert.equal(realm.seen[0]?.headers.authorization, BASIC, 'the listed token service gets the credentials');
      assert.equal(elsewhere.seen.length, 1);
      assert.equal(elsewhere.seen[0]!.headers.authorization, undefined, 'the redirect target does not');
    } finally {
      await Promise.all([registry.close(), realm.close(), elsewhere.close()]);
    }
  });

  it('a registry redirecting elsewhere after auth does not get its bearer token forwarded', async () => {
    const storage = await recorder();
    const registry = await startServer(async (path, headers): Promise<Answer> => {
      if (path.startsWith('/token'))
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from('{"token":"registry-token"}'),
        };
      if (headers.authorization === 'Bearer registry-token')
        return { status: 307, headers: { location: `http://${storage.host}${path}` }, body: empty };
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="s"` },
        body: empty,
      };
    });
    const host = registry.host;
    try {
      const resolver = createDigestResolver({
        registries: [{ host, username: CI.user, password: CI.password, insecure: true }],
        waitMs: 1000,
      });
      assert.equal(await resolver.resolve(`${host}/team/app:v1`), DIGEST);
      assert.equal(storage.seen.length, 1);
      assert.equal(storage.seen[0]!.headers.authorization, undefined);
    } finally {
      await Promise.all([registry.close(), storage.close()]);
    }
  });
});
