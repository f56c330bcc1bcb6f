import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError } from '../../src/core/errors.js';
import { parseUpdateGitopsFlags, type UpdateGitopsFlags } from '../../src/gitops/flags.js';

const DEFAULTS: UpdateGitopsFlags = {
  substitute: {},
  edits: [],
  createPullRequest: true,
  mergePullRequest: false,
  rest: [],
};

const accepted: Array<[string, string[], Partial<UpdateGitopsFlags>]> = [
  ['no flags gives the defaults', [], {}],
  ['-f=v', ['-git-revision=abc123'], { gitRevision: 'abc123' }],
  ['-f v', ['-git-revision', 'abc123'], { gitRevision: 'abc123' }],
  ['--f=v', ['--filepath=staging/*.tmpl'], { filepath: 'staging/*.tmpl' }],
  ['--f v', ['--filepath', 'staging/**/*.tmpl'], { filepath: 'staging/**/*.tmpl' }],
  ['a separate value may start with "-"', ['-commit-message', '-- bump'], { commitMessage: '-- bump' }],
  ['the last of a repeated flag wins', ['-branch=a', '-branch=b'], { branch: 'b' }],
  [
    'the seed Dispatchfile args',
    [
      '-git-revision=0123abc',
      '-substitute=imageName=your-dockerhub-user/hello-world@sha256:00ff',
      '-scm-provider=github',
    ],
    {
      gitRevision: '0123abc',
      substitute: { imageName: 'your-dockerhub-user/hello-world@sha256:00ff' },
      scmProvider: 'github',
    },
  ],
  [
    'substitute values keep "=" and "/"',
    ['-substitute=args=--set=a/b=c', '-substitute', 'url=https://x.example/a?b=c'],
    { substitute: { args: '--set=a/b=c', url: 'https://x.example/a?b=c' } },
  ],
  [
    'substitute accumulates, last per key wins',
    ['-substitute=a=1', '--substitute=b=2', '-substitute=a=3'],
    { substitute: { a: '3', b: '2' } },
  ],
  ['an empty substitute value is a value', ['-substitute=tag='], { substitute: { tag: '' } }],
  ['bare bool is true', ['-merge-pull-request'], { mergePullRequest: true }],
  ['-b=false', ['-create-pull-request=false'], { createPullRequest: false }],
  [
    'strconv.ParseBool spellings',
    ['-create-pull-request=F', '--merge-pull-request=1'],
    { createPullRequest: false, mergePullRequest: true },
  ],
  [
    'a bool does not take the next word: Go stops at it',
    ['-create-pull-request', 'false', '-branch=x'],
    { createPullRequest: true, rest: ['false', '-branch=x'] },
  ],
  ['"--" ends the flags and is consumed', ['-branch=a', '--', '-branch=b'], { branch: 'a', rest: ['-branch=b'] }],
  ['a lone "-" is not a flag', ['-', '-branch=b'], { rest: ['-', '-branch=b'] }],
  [
    'every flag at once',
    [
      '-git-revision=r',
      '-substitute=k=v',
      '-filepath=p/*.tmpl',
      '-scm-provider=gitlab',
      '-api-endpoint=https://gl.example/api/v4',
      '-branch=deploy',
      '-create-pull-request=true',
      '-merge-pull-request=true',
      '-commit-message=Deploy r',
    ],
    {
      gitRevision: 'r',
      substitute: { k: 'v' },
      filepath: 'p/*.tmpl',
      scmProvider: 'gitlab',
      apiEndpoint: 'https://gl.example/api/v4',
      branch: 'deploy',
      createPullRequest: true,
      mergePullRequest: true,
      commitMessage: 'Deploy r',
    },
  ],
];

const refused: Array<[string, string[], RegExp]> = [
  ['an unknown flag, named', ['-git-revison=abc'], /unknown update-gitops-repo flag "-git-revison"/],
  ['a missing value', ['-filepath'], /flag needs an argument: -filepath/],
  ['a bad boolean', ['-merge-pull-request=yes'], /invalid boolean value "yes" for -merge-pull-request/],
  ['three dashes', ['---branch=x'], /bad flag syntax: ---branch=x/],
  ['"-=x"', ['-=x'], /bad flag syntax/],
  ['a substitute without "="', ['-substitute=imageName'], /-substitute "imageName" is not key=value/],
  ['a substitute with an empty key', ['-substitute==v'], /is not key=value/],
  ['a dotted key (a nested lookup in templates)', ['-substitute=a.b=v'], /key "a.b" is not a usable name/],
  ['__proto__ as a key', ['-substitute=__proto__=v'], /key "__proto__" is not a usable name/],
  ['an unknown scm provider', ['-scm-provider=gitea'], /unknown -scm-provider "gitea"; use one of github, gitlab/],
];

describe('parseUpdateGitopsFlags', () => {
  for (const [name, args, expected] of accepted) {
    it(`accepts ${name}`, () => {
      assert.deepStrictEqual(parseUpdateGitopsFlags(args), { ...DEFAULTS, ...expected });
    });
  }
  for (const [name, args, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseUpdateGitopsFlags(args),
        (err: unknown) => {
          assert.ok(err instanceof PermanentError, `expected PermanentError, got ${String(err)}`);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
