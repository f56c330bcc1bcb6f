import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { checkGrantedPaths, grantedRules, type Deployment } from '../../src/gitops/grants.js';

const HOSTS = `hosts:
  github: {kind: github, url: https://github.com, token: t, webhookSecret: s}
  plain: {kind: git, url: "file:///srv/git", webhookSecret: s}
`;

// The seeds' layout: staging from main by pull request; production only from release tags,
// merged automatically; a hotfix line may commit straight to staging.
const config = parseConfig(
  `${HOSTS}gitops:
  - repo: github:acme/gitops
    allow:
      - {from: "github:acme/app", paths: ["staging/**"]}
      - {from: "github:acme/app", branches: ["hotfix/*"], modes: [direct], paths: ["staging/**"]}
      - {from: "github:acme/app", tags: ["v*"], modes: [pull-request, merge], paths: ["production/**"]}
      - {from: "github:acme/*", branches: [main], bases: ["main", "env/*"], paths: ["shared/**"]}
`,
  {},
);

const src = { host: 'github', fullName: 'acme/app' };
const dst = { host: 'github', fullName: 'acme/gitops' };
const main = { name: 'main', isDefault: true };
const dep = (
  ref: Deployment['ref'],
  mode: Deployment['mode'] = 'pull-request',
  source = src,
  target = dst,
): Deployment => ({ source, target, ref, mode });
const branch = (name: string) => ({ type: 'branch' as const, name });
const tag = (name: string) => ({ type: 'tag' as const, name });

describe('gitops grants: who may deploy what, where and how', () => {
  it('a rule without branches or tags lets any ref open pull requests, and nothing more', () => {
    assert.ok(grantedRules(config, dep(branch('feature-x'))).length > 0);
    assert.throws(
      () => grantedRules(config, dep(branch('feature-x'), 'direct')),
      /not granted: a direct commit \(-create-pull-request=false\) needs "direct" in allow\[\]\.modes and the branch in allow\[\]\.branches; github:acme\/app branch feature-x → github:acme\/gitops/,
    );
    assert.throws(() => grantedRules(config, dep(branch('feature-x'), 'merge')), /allow\[\]\.modes/);
  });

  it('direct and merge are granted only to the refs a rule lists', () => {
    assert.ok(grantedRules(config, dep(branch('hotfix/1'), 'direct')).length > 0);
    assert.ok(grantedRules(config, dep(tag('v1.2.0'), 'merge')).length > 0);
    assert.throws(
      () => grantedRules(config, dep(tag('nightly'), 'merge')),
      /tag nightly is in no allow\[\]\.tags|a merge .*allow\[\]\.tags/,
    );
  });

  it('paths are the union of the rules that allow the ref and mode', () => {
    checkGrantedPaths(config, dep(branch('main')), main, ['staging/app.yaml', 'shared/x.yaml']);
    checkGrantedPaths(config, dep(tag('v2')), main, ['production/app.yaml']);
    assert.throws(
      () => checkGrantedPaths(config, dep(branch('main')), main, ['production/app.yaml']),
      /not granted: production\/app.yaml in no allow\[\]\.paths/,
    );
    // The direct rule covers staging only: a direct commit may not touch shared/.
    assert.throws(
      () => checkGrantedPaths(config, dep(branch('hotfix/1'), 'direct'), main, ['shared/x.yaml']),
      /shared\/x.yaml/,
    );
  });

  it('bases: the default branch unless the rule lists others', () => {
    const envBase = { name: 'env/prod', isDefault: false };
    assert.ok(grantedRules(config, dep(branch('main')), envBase).length > 0);
    assert.throws(
      () => checkGrantedPaths(config, dep(branch('main')), envBase, ['staging/app.yaml']),
      /staging\/app.yaml/,
    );
    assert.throws(() => grantedRules(config, dep(branch('feature')), envBase), /base env\/prod needs allow\[\]\.bases/);
  });

  it('refuses sources and repositories no grant names, naming the field, not the config', () => {
    assert.throws(
      () => grantedRules(config, dep(branch('main'), 'pull-request', { host: 'github', fullName: 'other/app' })),
      /no rule names github:other\/app \(allow\[\]\.from\)/,
    );
    assert.throws(
      () => grantedRules(config, dep(branch('main'), 'pull-request', src, { host: 'github', fullName: 'acme/else' })),
      /not granted: no grant names github:acme\/else \(gitops\[\]\.repo\)/,
    );
    try {
      checkGrantedPaths(config, dep(branch('main')), main, ['production/app.yaml']);
    } catch (err) {
      assert.doesNotMatch(
        (err as Error).message,
        /staging\/\*\*|shared\/\*\*/,
        'the granted globs stay out of the message',
      );
    }
  });

  it('a pull_request action writes only where a rule says pullRequests: true, naming the field otherwise', () => {
    const pr = { ...dep(branch('feature-x')), pullRequest: true };
    assert.throws(
      () => grantedRules(config, pr),
      /^PermanentError: not granted: a pull_request action needs allow\[\]\.pullRequests: true; github:acme\/app pull request from branch feature-x → github:acme\/gitops; ask the operator/,
    );
    const granted = parseConfig(
      `${HOSTS}gitops:\n  - repo: github:acme/gitops\n    allow:\n      - {from: "github:acme/app", paths: ["staging/**"]}\n` +
        `      - {from: "github:acme/app", pullRequests: true, paths: ["previews/**"]}\n`,
      {},
    );
    const rules = grantedRules(granted, pr, main);
    assert.deepEqual(
      rules.map((r) => r.paths),
      [['previews/**']],
      'only the rule that grants pull requests',
    );
    // A rule without pullRequests has the path: that flag is what is missing, not the path.
    assert.throws(
      () => checkGrantedPaths(granted, pr, main, ['staging/app.yaml']),
      /^PermanentError: not granted: staging\/app\.yaml only in rules without allow\[\]\.pullRequests: true/,
    );
    assert.throws(
      () => checkGrantedPaths(granted, pr, main, ['production/app.yaml']),
      /not granted: production\/app\.yaml in no allow\[\]\.paths/,
    );
    checkGrantedPaths(granted, pr, main, ['previews/feature-x/app.yaml']);
    assert.equal(grantedRules(granted, dep(branch('feature-x'))).length, 2, 'a push may use either rule');
  });

  it('config refuses patterns that can never match and direct modes without refs', () => {
    assert.throws(
      () => parseConfig(`${HOSTS}gitops:\n  - repo: github:acme/gitops\n    allow:\n      - {from: "github:*"}\n`, {}),
      /"github:\*" can never match: .*write "github:\*\*"/,
    );
    assert.throws(
      () =>
        parseConfig(
          `${HOSTS}gitops:\n  - repo: github:acme/gitops\n    allow:\n      - {from: "github:acme/app", modes: [direct]}\n`,
          {},
        ),
      /modes: "direct" and "merge" skip the reviewer/,
    );
    const all = parseConfig(
      `${HOSTS}gitops:\n  - repo: github:acme/gitops\n    allow:\n      - {from: "github:**"}\n`,
      {},
    );
    assert.ok(
      grantedRules(all, dep(branch('x'), 'pull-request', { host: 'github', fullName: 'deep/group/app' })).length > 0,
      '** is every repository of the host',
    );
    // A plain git host's names may have no owner: "plain:*" is allowed there.
    parseConfig(`${HOSTS}gitops:\n  - repo: github:acme/gitops\n    allow:\n      - {from: "plain:*"}\n`, {});
  });
});
