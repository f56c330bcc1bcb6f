import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { pollFor } from '../../src/config/poll.js';
import { ConfigError } from '../../src/core/errors.js';

const valid = `
hosts:
  github:
    kind: github
    url: https://github.com/
    apiUrl: https://api.github.com
    token: \${GITHUB_TOKEN}
    webhookSecret: [old, \${SECRET}]
repositories:
  - host: github
    repo: acme/hello-world
gitops:
  - repo: github:acme/hello-world-gitops
    allow:
      - from: "github:acme/*"
        paths: ["staging/**"]
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('expands ${ENV}, normalises URLs, accepts a list of secrets and fills defaults', () => {
    const c = parseConfig(valid, { GITHUB_TOKEN: 't0k', SECRET: 'new' });
    assert.equal(c.hosts.github?.token, 't0k');
    assert.equal(c.hosts.github?.url, 'https://github.com');
    assert.deepEqual(c.hosts.github?.webhookSecret, ['old', 'new']);
    assert.equal(c.repositories[0]?.dispatchfile, 'Dispatchfile');
    assert.equal(c.deliveryTtl, '7d');
  });

  it('lists every problem at once, naming where and what to do', () => {
    const p = problems(`
hosts:
  Bad_Name:
    kind: svn
    url: not-a-url
  gl:
    kind: gitlab
    url: https://gitlab.example.com
repositories:
  - host: nowhere
    repo: a/b
gitops:
  - repo: nohost
    allow: []
`);
    const text = p.join('\n');
    assert.match(text, /hosts\.Bad_Name/);
    assert.match(text, /kind/);
    assert.match(text, /url/);
    assert.match(text, /gitops\.0\.repo/);
    assert.ok(p.length >= 4, text);
  });

  it('reports cross references and missing credentials together', () => {
    const p = problems(`
hosts:
  gl:
    kind: gitlab
    url: https://gitlab.example.com
repositories:
  - host: nowhere
    repo: a/b
`);
    const text = p.join('\n');
    assert.match(text, /hosts\.gl: set token/);
    assert.match(text, /hosts\.gl\.webhookSecret: required/);
    assert.match(text, /repositories\.0\.host: "nowhere" is not a configured host/);
  });

  it('never turns an unset variable into an empty secret', () => {
    const p = problems(valid, { SECRET: 'x' });
    assert.ok(
      p.some((m) => m.includes('${GITHUB_TOKEN} is referenced but not set')),
      p.join('\n'),
    );
  });

  it('keeps $${X} literal', () => {
    const c = parseConfig(
      valid.replace('token: ${GITHUB_TOKEN}', () => 'token: pre$${LITERAL}'),
      { SECRET: 's' },
    );
    assert.equal(c.hosts.github?.token, 'pre${LITERAL}');
  });

  it('reports YAML syntax errors with the file name', () => {
    const p = problems('hosts: [unclosed', {});
    assert.match(p[0] ?? '', /YAML/);
  });

  it("a GitOps repository's poll replaces the waiting features' defaults; a bad one is refused", () => {
    const env = { GITHUB_TOKEN: 't', SECRET: 's' };
    const withPoll = valid.replace('    allow:', '    poll: { first: 1m, max: 10m }\n    allow:');
    const config = parseConfig(withPoll, env);
    const defaults = { firstMs: 2000, maxMs: 60_000 };
    assert.deepEqual(pollFor(config, 'github:acme/hello-world-gitops', defaults), { firstMs: 60_000, maxMs: 600_000 });
    assert.deepEqual(pollFor(config, 'github:acme/other', defaults), defaults, 'no grant: the defaults');
    const firstOnly = parseConfig(valid.replace('    allow:', '    poll: { first: 5m }\n    allow:'), env);
    assert.deepEqual(pollFor(firstOnly, 'github:acme/hello-world-gitops', defaults), {
      firstMs: 300_000,
      maxMs: 300_000,
    });
    const bad = problems(valid.replace('    allow:', '    poll: { first: soon }\n    allow:'), env);
    assert.ok(
      bad.some((p) => /gitops\.0\.poll\.first/.test(p) && /30s/.test(p)),
      JSON.stringify(bad),
    );
  });
});
