import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PermanentError } from '../../src/core/errors.js';
import { formatImageRef, parseImageRef, registryApiHost, type ImageRef } from '../../src/registry/index.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageRef', () => {
  const cases: Array<[string, ImageRef]> = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['acme/app:v1', { registry: 'docker.io', repository: 'acme/app', tag: 'v1' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['index.docker.io/library/nginx:latest', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['ghcr.io/acme/app:1.2.3', { registry: 'ghcr.io', repository: 'acme/app', tag: '1.2.3' }],
    ['127.0.0.1:5000/app:dev', { registry: '127.0.0.1:5000', repository: 'app', tag: 'dev' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    [`localhost:5000/a/b/c@${DIGEST}`, { registry: 'localhost:5000', repository: 'a/b/c', digest: DIGEST }],
    [
      `registry.example.com:443/team/my_app:v1@${DIGEST}`,
      { registry: 'registry.example.com:443', repository: 'team/my_app', tag: 'v1', digest: DIGEST },
    ],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x' }],
    ['quay.io/a-b/c__d.e:V_1.0-rc', { registry: 'quay.io', repository: 'a-b/c__d.e', tag: 'V_1.0-rc' }],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${input}`, () => assert.deepEqual(parseImageRef(input), expected));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Nginx', /lower-case/],
    ['app:', /tag ""/],
    ['app:-x', /tag "-x"/],
    ['app@sha256:abc', /not a digest/],
    [`app@sha256:${'AB'.repeat(32)}`, /64 lower-case hex/],
    ['https://ghcr.io/a/b', /URL scheme/],
    ['ghcr.io/a//b', /empty path part/],
    ['ghcr.io/', /empty/],
    ['app:tag with space', /whitespace/],
    [`ghcr.io/${'a'.repeat(256)}`, /longer than 255/],
  ];
  for (const [input, why] of bad) {
    it(`refuses ${JSON.stringify(input)} saying why and how to write it`, () => {
      assert.throws(
        () => parseImageRef(input),
        (error: unknown) => {
          assert.ok(error instanceof PermanentError);
          assert.equal(error.code, 'image_ref_invalid');
          assert.match(error.message, why);
          assert.ok(error.message.includes(`"${input}"`), error.message);
          assert.match(error.message, /e\.g\. ghcr\.io\/acme\/app:1\.2\.3/);
          return true;
        },
      );
    });
  }
});

describe('formatImageRef', () => {
  it('writes Docker Hub names in the short form the docker CLI prints', () => {
    assert.equal(formatImageRef(parseImageRef('docker.io/library/nginx:1.25')), 'nginx:1.25');
    assert.equal(formatImageRef(parseImageRef('index.docker.io/acme/app')), 'acme/app');
    assert.equal(formatImageRef({ registry: 'docker.io', repository: 'library/a/b', tag: 't' }), 'library/a/b:t');
  });

  it('keeps every other registry', () => {
    const input = `127.0.0.1:5000/team/app:v2@${DIGEST}`;
    assert.equal(formatImageRef(parseImageRef(input)), input);
  });

  it('round-trips any valid reference', () => {
    const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/).filter((s) => s.length <= 30);
    const registry = fc.constantFrom(
      'docker.io',
      'ghcr.io',
      '127.0.0.1:5000',
      'localhost',
      'registry.example.com:8443',
    );
    const ref = fc.record(
      {
        registry,
        repository: fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/')),
        tag: fc.stringMatching(/^[\w][\w.-]{0,20}$/),
        digest: fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
      },
      { requiredKeys: ['registry', 'repository'] },
    );
    fc.assert(
      fc.property(ref, (generated) => {
        // fast-check builds null-prototype records; a plain copy compares like parse's output.
        const input: ImageRef = { ...generated };
        const normal = parseImageRef(formatImageRef(input));
        // Hub's one-part names gain "library/", exactly as docker pull does.
        const expected =
          input.registry === 'docker.io' && !input.repository.includes('/')
            ? { ...input, repository: `library/${input.repository}` }
            : input;
        assert.deepEqual(normal, expected);
      }),
    );
  });
});

describe('registryApiHost', () => {
  it('sends Docker Hub names to its API host and leaves others alone', () => {
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('index.docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
  });
});
