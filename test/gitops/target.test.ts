import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { resolveRepoUrl } from '../../src/gitops/target.js';

const config = parseConfig(
  `
hosts:
  github: {kind: github, url: https://github.com, token: t, webhookSecret: s}
  bbs: {kind: bitbucket-server, url: https://bitbucket.example.com, token: t, webhookSecret: s}
  nested: {kind: gitlab, url: https://github.com/gitlab-mirror, token: t, webhookSecret: s}
  plain: {kind: git, url: "file:///srv/git", webhookSecret: s}
gitops:
  - repo: github:acme/gitops
    allow:
      - {from: "github:acme/*", paths: ["staging/**"]}
`,
  {},
);

describe('which configured host and repository a GitOps URL names', () => {
  it('strips the host url and .git, keeping the full name', () => {
    assert.deepEqual(resolveRepoUrl(config, 'https://github.com/acme/gitops.git'), {
      host: 'github',
      fullName: 'acme/gitops',
    });
    assert.deepEqual(resolveRepoUrl(config, 'https://github.com/acme/gitops/'), {
      host: 'github',
      fullName: 'acme/gitops',
    });
    assert.deepEqual(resolveRepoUrl(config, 'file:///srv/git/acme/gitops.git'), {
      host: 'plain',
      fullName: 'acme/gitops.git',
    });
  });

  it('prefers the longest matching host url', () => {
    assert.deepEqual(resolveRepoUrl(config, 'https://github.com/gitlab-mirror/group/repo'), {
      host: 'nested',
      fullName: 'group/repo',
    });
  });

  it('maps Bitbucket Server clone, browse and personal URLs to PROJECT/slug', () => {
    const bbs = (u: string) => resolveRepoUrl(config, `https://bitbucket.example.com/${u}`).fullName;
    assert.equal(bbs('scm/proj/gitops.git'), 'PROJ/gitops');
    assert.equal(bbs('projects/PROJ/repos/gitops/browse'), 'PROJ/gitops');
    assert.equal(bbs('scm/~jane/gitops.git'), '~jane/gitops');
    assert.equal(bbs('users/jane/repos/gitops'), '~jane/gitops');
    assert.equal(bbs('PROJ/gitops'), 'PROJ/gitops');
  });

  it('refuses a URL on no configured host, and one that climbs out with ..', () => {
    assert.throws(() => resolveRepoUrl(config, 'https://evil.example.com/acme/gitops'), /on no configured host/);
    assert.throws(() => resolveRepoUrl(config, 'https://github.com.evil.example/acme/gitops'), /on no configured host/);
    assert.throws(() => resolveRepoUrl(config, 'https://github.com/acme/../../x'), /on no configured host/);
  });
});
