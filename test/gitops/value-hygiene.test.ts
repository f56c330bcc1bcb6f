import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError } from '../../src/core/errors.js';
import type { UpdateGitopsFlags } from '../../src/gitops/flags.js';
import { checkFlagValues, checkRefName } from '../../src/gitops/value-hygiene.js';

const flags = (over: Partial<UpdateGitopsFlags> = {}): UpdateGitopsFlags => ({
  substitute: { imageName: 'registry.example.com/app@sha256:' + 'a'.repeat(64) },
  edits: [],
  createPullRequest: true,
  mergePullRequest: false,
  ...over,
});

const refused = (fn: () => void, message: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PermanentError, String(err));
    assert.equal(err.code, 'gitops_value_invalid');
    assert.match(err.message, message);
    return true;
  });

// One of each class: C0 (NUL, tab, LF, CR, ESC), DEL, C1 (NEL, CSI) and the Unicode line breaks.
const CONTROLS: [string, RegExp][] = [
  ['\u0000', /a NUL \(U\+0000\)/],
  ['\t', /a tab \(U\+0009\)/],
  ['\n', /a newline \(U\+000A\)/],
  ['\r', /a carriage return \(U\+000D\)/],
  ['\u001b', /an escape \(U\+001B\)/],
  ['\u007f', /a DEL \(U\+007F\)/],
  ['\u0085', /a next-line \(NEL\) \(U\+0085\)/],
  ['\u009b', /a control character \(U\+009B\)/],
  ['\u2028', /a line separator \(U\+2028\)/],
  ['\u2029', /a paragraph separator \(U\+2029\)/],
];

describe('checkFlagValues: values are values', () => {
  it('passes good values', () => {
    checkFlagValues(flags());
    checkFlagValues(
      flags({
        substitute: { imageName: 'repo/app:v1.2.3', replicas: '3', note: 'a=b/c d', unicode: 'café ✓' },
        gitRevision: 'a'.repeat(40),
        branch: 'dispatchd/acme/app/staging',
        filepath: 'staging/**/*.tmpl',
        commitMessage: 'Deploy app v1.2.3\n\nReleased by the pipeline.\nSee https://example.com for notes.',
      }),
    );
    for (const rev of ['abc1234', 'A'.repeat(64), 'main', 'refs/tags/v1.2.0', 'release/2024-05', 'v1.0.0-rc.1']) {
      checkFlagValues(flags({ gitRevision: rev }));
    }
  });

  for (const [ch, name] of CONTROLS) {
    const code = `U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;
    it(`refuses ${code} in -substitute, -git-revision, -branch and -filepath, naming the flag`, () => {
      refused(
        () => checkFlagValues(flags({ substitute: { imageName: `repo/app${ch}x` } })),
        new RegExp(`^-substitute imageName: the value contains ${name.source}; values may not hold control characters`),
      );
      refused(
        () => checkFlagValues(flags({ gitRevision: `main${ch}` })),
        new RegExp(`^-git-revision: the value contains ${name.source}`),
      );
      refused(
        () => checkFlagValues(flags({ branch: `deploy${ch}x` })),
        new RegExp(`^-branch: the value contains ${name.source}`),
      );
      refused(
        () => checkFlagValues(flags({ filepath: `staging/${ch}*.tmpl` })),
        new RegExp(`^-filepath: the value contains ${name.source}`),
      );
    });
  }

  it('refuses a YAML document injected through -substitute', () => {
    const value = 'repo/app:v1\n---\nkind: ClusterRoleBinding\n';
    refused(
      () => checkFlagValues(flags({ substitute: { ok: 'x', imageName: value } })),
      /^-substitute imageName: the value contains a newline \(U\+000A\)/,
    );
  });

  it('refuses a newline in -git-revision (it lands in commit messages and PR bodies)', () => {
    refused(
      () => checkFlagValues(flags({ gitRevision: `${'a'.repeat(40)}\nDispatchd-Seq: 9` })),
      /^-git-revision: the value contains a newline/,
    );
  });

  it('refuses a -git-revision that is neither a commit id nor a ref name, saying why', () => {
    const cases: [string, RegExp][] = [
      ['main..evil', /contains "\.\."/],
      ['feature branch', /contains a space/],
      ['HEAD~1', /contains "~"/],
      ['HEAD^', /contains "\^"/],
      ['a:b', /contains ":"/],
      ['x?', /contains "\?"/],
      ['x*', /contains "\*"/],
      ['x[1]', /contains "\["/],
      ['a\\b', /contains "\\"/],
      ['refs/heads/.hidden', /component "\.hidden" starts with "\."/],
      ['refs/heads/main.lock', /component "main\.lock" ends with "\.lock"/],
      ['main@{1}', /contains "@\{"/],
      ['@', /"@" alone/],
      ['release/', /ends with "\/"/],
      ['release.', /ends with "\."/],
      ['refs//heads', /contains "\/\/"/],
      ['', /is empty/],
      ['--upload-pack=x', /starts with "-"/],
    ];
    for (const [rev, why] of cases) {
      refused(
        () => checkFlagValues(flags({ gitRevision: rev })),
        new RegExp(
          `^-git-revision: .* is neither a commit id \\(7 to 64 hex digits\\) nor a valid git ref name: (it|its) ?.*${why.source}`,
        ),
      );
    }
  });

  it('-commit-message: lines after the first may follow; \\r, tabs and other controls may not', () => {
    checkFlagValues(flags({ commitMessage: 'Subject\n\nBody line one\nBody line two\n' }));
    refused(
      () => checkFlagValues(flags({ commitMessage: 'Subject\r\n\r\nBody' })),
      /^-commit-message: the value contains a carriage return \(U\+000D\); only newlines are allowed/,
    );
    for (const [ch, name] of CONTROLS.filter(([c]) => c !== '\n')) {
      refused(
        () => checkFlagValues(flags({ commitMessage: `Subject\n\nbody ${ch}` })),
        new RegExp(`^-commit-message: the value contains ${name.source}`),
      );
    }
  });

  it('-commit-message: the first line must say something', () => {
    refused(
      () => checkFlagValues(flags({ commitMessage: '\nBody only' })),
      /^-commit-message: the first line \(the commit subject\) is empty/,
    );
    refused(() => checkFlagValues(flags({ commitMessage: '   ' })), /the first line \(the commit subject\) is empty/);
  });

  it('-commit-message: refuses a forged Dispatchd-Seq trailer, and any trailer-like line', () => {
    refused(
      () => checkFlagValues(flags({ commitMessage: 'Deploy\n\nDispatchd-Seq: 9' })),
      /^-commit-message: line 3 "Dispatchd-Seq: 9" looks like a git trailer .*dispatchd's own trailers \(Dispatchd-Env, Dispatchd-Commit, …\) must be the only trailers on its commits/,
    );
    refused(
      () => checkFlagValues(flags({ commitMessage: 'Deploy\n\nSigned-off-by: Mallory <m@example.com>' })),
      /line 3 .* looks like a git trailer/,
    );
    refused(
      () => checkFlagValues(flags({ commitMessage: 'Deploy\n\nFixes #12' })),
      /line 3 "Fixes #12" looks like a git trailer/,
    );
    refused(
      () => checkFlagValues(flags({ commitMessage: 'Dispatchd-Env: prod' })),
      /line 1 .* looks like a git trailer/,
    );
    // A conventional-commit subject is no trailer: git never reads the subject as one.
    checkFlagValues(flags({ commitMessage: 'fix: bump the image\n\nwhy it moves' }));
    refused(
      () => checkFlagValues(flags({ commitMessage: 'fix: bump\n\nfix: again' })),
      /line 3 .* looks like a git trailer/,
    );
    // Not trailers: no space after the colon, a leading space, a URL.
    checkFlagValues(flags({ commitMessage: 'Deploy\n\nsee https://example.com/x\n key: value\nratio 3:1' }));
  });
});

describe('checkRefName: branch and tag names from webhooks', () => {
  it('passes ordinary names', () => {
    for (const n of ['main', 'feature/x-1', 'release/2024.05', 'v1.2.3', 'üñï']) checkRefName(n, 'branch');
  });

  it('refuses control characters and invalid names, naming what it checked', () => {
    refused(() => checkRefName('main\nx', 'branch'), /^branch: the value contains a newline \(U\+000A\)/);
    refused(() => checkRefName('v1\u2028', 'tag'), /^tag: the value contains a line separator/);
    refused(() => checkRefName('v1..2', 'tag'), /^tag: "v1\.\.2" is not a valid git ref name: it contains "\.\."/);
    refused(() => checkRefName('a b', 'branch'), /^branch: "a b" is not a valid git ref name: it contains a space/);
    refused(() => checkRefName('x.lock', 'branch'), /ends with "\.lock"/);
  });
});
