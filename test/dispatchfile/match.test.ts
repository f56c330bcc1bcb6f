import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchActions, needsChangedPaths, parseDispatchfile, type Trigger } from '../../src/dispatchfile/index.js';

/** One action per row, so "matches" means matchActions returns it. */
function dispatchfile(on: string): string {
  return `#!cue
task "t": { steps: [{name: "s", image: "busybox"}] }
actions: [{ tasks: ["t"], ${on} }]
`;
}

function matches(on: string, trigger: Trigger): boolean {
  return matchActions(parseDispatchfile(dispatchfile(on)), trigger).length === 1;
}

const push = (branch: string, changedPaths?: string[]): Trigger =>
  changedPaths ? { kind: 'push', branch, changedPaths } : { kind: 'push', branch };

describe('push branches', () => {
  const table: [string, string, boolean][] = [
    ['on push branches: ["main"]', 'main', true],
    ['on push branches: ["main"]', 'mainline', false],
    ['on push branches: ["feature/*"]', 'feature/x', true],
    ['on push branches: ["feature/*"]', 'feature/x/y', false],
    ['on push branches: ["feature/**"]', 'feature/x/y', true],
    ['on push branches: ["*"]', 'main', true],
    ['on push branches: ["*"]', 'feature/x', false],
    ['on push branches: ["**"]', 'feature/x', true],
    ['on push branches: ["release-{1,2}.*"]', 'release-2.0', true],
    ['on push branches: ["!main"]', 'dev', true],
    ['on push branches: ["!main"]', 'main', false],
    ['on push branches: ["**", "!wip/**"]', 'wip/a', false],
    ['on push branches: ["**", "!wip/**"]', 'fix/a', true],
    ['on push: {}', 'anything/at/all', true],
    ['on push: {branches: []}', 'main', true],
    ['on git push branches: ["staging", "production"]', 'production', true],
    ['on: git: push: branches: ["staging"]', 'production', false],
    ['on tag names: ["*"]', 'main', false],
    ['on pull_request: {}', 'main', false],
  ];
  for (const [on, branch, expected] of table) {
    it(`${on} ${expected ? 'matches' : 'does not match'} a push to ${branch}`, () => {
      assert.equal(matches(on, push(branch)), expected);
    });
  }
});

describe('push paths', () => {
  const on = 'on push: {branches: ["main"], paths: ["src/**", "!src/**/*.md"]}';
  const table: [string[], boolean][] = [
    [['src/a.ts'], true],
    [['docs/a.md', 'src/x/y.ts'], true],
    [['src/README.md'], false],
    [['docs/a.md'], false],
    [[], false],
  ];
  for (const [changed, expected] of table) {
    it(`${JSON.stringify(changed)} → ${expected}`, () => {
      const df = parseDispatchfile(dispatchfile(on));
      assert.equal(matchActions(df, push('main', changed)).length === 1, expected);
      assert.equal(needsChangedPaths(df, push('main', changed)), false);
    });
  }
  it('asks for the changed paths only when the decision depends on them', () => {
    const df = parseDispatchfile(dispatchfile(on));
    assert.equal(needsChangedPaths(df, push('main')), true);
    assert.deepEqual(matchActions(df, push('main')), []);
    assert.equal(needsChangedPaths(df, push('dev')), false, 'the branch already rules it out');
    assert.equal(needsChangedPaths(parseDispatchfile(dispatchfile('on push branches: ["main"]')), push('main')), false);
  });
  it('a capped list from the SCM (null) means any path may have changed: the condition holds', () => {
    const df = parseDispatchfile(dispatchfile(on));
    const capped: Trigger = { kind: 'push', branch: 'main', changedPaths: null };
    assert.equal(needsChangedPaths(df, capped), false);
    assert.equal(matchActions(df, capped).length, 1);
    assert.equal(
      matchActions(df, { kind: 'push', branch: 'dev', changedPaths: null }).length,
      0,
      'the branch still decides',
    );
  });
  it('dot-files match like other files', () => {
    assert.equal(matches('on push paths: ["**/*.yaml"]', push('main', ['.github/ci.yaml'])), true);
  });
});

describe('tags', () => {
  const table: [string, string, boolean][] = [
    ['on tag names: ["v*"]', 'v1.2.0', true],
    ['on tag names: ["v*"]', 'release-1', false],
    ['on tag: {}', 'anything', true],
    ['on git tag names: ["v*", "!v*-rc*"]', 'v2.0.0-rc1', false],
    ['on push branches: ["**"]', 'v1.0', false],
  ];
  for (const [on, tag, expected] of table) {
    it(`${on} with tag ${tag} → ${expected}`, () => assert.equal(matches(on, { kind: 'tag', tag }), expected));
  }
});

describe('pull requests (parsed and matched; the service receives pushes only)', () => {
  const pr = (extra: Partial<Extract<Trigger, { kind: 'pull_request' }>> = {}): Trigger => ({
    kind: 'pull_request',
    target: 'main',
    source: 'feature/a',
    ...extra,
  });
  const table: [string, Trigger, boolean][] = [
    ['on pull_request: {}', pr(), true],
    ['on pull_request targets: ["main"]', pr(), true],
    ['on pull_request branches: ["main"]', pr({ target: 'dev' }), false],
    ['on pull_request sources: ["feature/*"]', pr(), true],
    ['on pull_request sources: ["!feature/*"]', pr(), false],
    ['on pull_request labels: ["deploy"]', pr({ labels: ['bug', 'deploy'] }), true],
    ['on pull_request labels: ["deploy"]', pr(), false],
    ['on pull_request labels: ["!wip"]', pr({ labels: ['bug'] }), true],
    ['on pull_request labels: ["!wip"]', pr({ labels: ['bug', 'wip'] }), false],
    ['on pull_request chatops: ["build"]', pr({ comment: '/build please' }), true],
    ['on pull_request chatops: ["build"]', pr({ comment: '/test' }), false],
    ['on pull_request chatops: ["build"]', pr(), true],
    ['on pull_request: {}', pr({ comment: '/build' }), false],
    ['on pull_request paths: ["api/**"]', pr({ changedPaths: ['api/x.go'] }), true],
    ['on pull_request paths: ["api/**"]', pr({ changedPaths: ['web/x.ts'] }), false],
    ['on git pull_request targets: ["release/*"]', pr({ target: 'release/1' }), true],
    ['on push branches: ["main"]', pr(), false],
  ];
  for (const [on, trigger, expected] of table) {
    it(`${on} with ${JSON.stringify(trigger)} → ${expected}`, () => assert.equal(matches(on, trigger), expected));
  }
  it('a path-dependent pull request condition asks for the changed paths', () => {
    const df = parseDispatchfile(dispatchfile('on pull_request paths: ["api/**"]'));
    assert.equal(needsChangedPaths(df, pr()), true);
  });
});

describe('several actions', () => {
  it('returns the matching actions in file order', () => {
    const df = parseDispatchfile(`
task "a": { steps: [{name: "s", image: "busybox"}] }
task "b": { steps: [{name: "s", image: "busybox"}] }
actions: [
  { tasks: ["a"], on push branches: ["master"] },
  { tasks: ["b"], on push branches: ["staging", "production"] },
  { tasks: ["a", "b"], on push branches: ["**"] },
]`);
    assert.deepEqual(
      matchActions(df, push('production')).map((a) => a.tasks),
      [['b'], ['a', 'b']],
    );
    assert.deepEqual(
      matchActions(df, push('master')).map((a) => a.tasks),
      [['a'], ['a', 'b']],
    );
  });
});
