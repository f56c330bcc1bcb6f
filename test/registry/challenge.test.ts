import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges } from '../../src/registry/challenge.js';

describe('parseChallenges', () => {
  it("reads Docker Hub's bearer challenge, with a comma inside the quoted scope", () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
    assert.deepEqual(parseChallenges(header), [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, unquoted values, spaces and escapes', () => {
    const header =
      'Basic realm="Registry \\"Realm\\"", Bearer realm=https://t.example/token, service = reg,error="insufficient_scope"';
    assert.deepEqual(parseChallenges(header), [
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
      { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg', error: 'insufficient_scope' } },
    ]);
  });

  it('gives nothing for a missing header', () => {
    assert.deepEqual(parseChallenges(null), []);
    assert.deepEqual(parseChallenges(''), []);
  });
});
