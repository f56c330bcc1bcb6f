import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchError } from '../../src/core/errors.js';
import {
  parseDispatchfile,
  substituteVariables,
  validateDispatchfile,
  type VariableContext,
} from '../../src/dispatchfile/index.js';

const ctx: VariableContext = {
  git: { commit: 'abc123', branch: 'staging', url: 'https://github.com/acme/app' },
  build: { name: 'staging' },
  resources: { 'docker-image': { url: 'acme/app:staging', digest: 'sha256:ff' } },
};

describe('substituteVariables', () => {
  it('replaces context and resource variables', () => {
    assert.equal(
      substituteVariables(
        '$(context.git.url)@$(context.git.commit) on $(context.git.branch) ($(context.build.name))',
        ctx,
        'x',
      ),
      'https://github.com/acme/app@abc123 on staging (staging)',
    );
    assert.equal(
      substituteVariables(
        '-substitute=imageName=acme/app@$(inputs.resources.docker-image.digest) $(outputs.resources.docker-image.url)',
        ctx,
        'x',
      ),
      '-substitute=imageName=acme/app@sha256:ff acme/app:staging',
    );
  });
  it('leaves text without variables, and shell `$VAR`, untouched', () => {
    assert.equal(substituteVariables('echo $HOME $( ls )', ctx, 'x'), 'echo $HOME $( ls )');
  });
  const bad: [string, RegExp][] = [
    ['$(context.git.sha)', /unknown variable \$\(context\.git\.sha\) in step "u" of task "deploy"/],
    ['$(context.git.tag)', /\$\(context\.git\.tag\) has no value for this push \(it is not a tag push\) in step "u"/],
    ['$(inputs.resources.nope.url)', /names resource "nope", which is not defined in step "u"/],
    [
      '$(inputs.resources.docker-image.tag)',
      /resource "docker-image" has no param "tag" in step "u" of task "deploy"; it has "url", "digest"/,
    ],
  ];
  for (const [text, expected] of bad) {
    it(`${text} is an error naming it and where it is used, never an empty string`, () => {
      assert.throws(
        () => substituteVariables(text, ctx, 'step "u" of task "deploy"'),
        (err: unknown) => {
          assert.ok(err instanceof DispatchError && err.code === 'variable_unknown');
          assert.match(err.message, expected);
          return true;
        },
      );
    });
  }
});

describe('variables are checked when parsing, for the tasks dispatchd runs', () => {
  const file = (arg: string, url = 'acme/app:$(context.git.commit)') => `
resource "docker-image": { type: "image", param url: "${url}" }
resource "ops": { type: "git", param url: "https://git.example/ops" }
task "deploy": {
  inputs: ["docker-image", "ops"]
  steps: [{name: "u", image: "mesosphere/update-gitops-repo:1.2.0", workingDir: "/workspace/ops", args: ["${arg}"]}]
}
task "test": { steps: [{name: "t", image: "golang", args: ["$(resources.inputs.src.path)"]}] }
`;
  it('accepts digest and params of known resources', () => {
    parseDispatchfile(file('-substitute=image=$(inputs.resources.docker-image.digest)'));
  });
  it('refuses an unknown variable in a GitOps step, at the argument that holds it', () => {
    assert.throws(
      () => parseDispatchfile(file('$(context.git.sha)')),
      /Dispatchfile:6:106: unknown variable \$\(context\.git\.sha\)/,
    );
  });
  it('refuses a param the resource does not have', () => {
    assert.throws(
      () => parseDispatchfile(file('$(inputs.resources.ops.revision)')),
      /resource "ops" has no param "revision"/,
    );
  });
  it('warns when an image url is a mutable tag and nothing pins it by digest', () => {
    const df = parseDispatchfile(
      file('-substitute=image=$(inputs.resources.docker-image.url)', 'acme/app:$(context.build.name)'),
    );
    const { errors, warnings } = validateDispatchfile(df);
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]?.message ?? '',
      /image resource "docker-image" url "acme\/app:\$\(context\.build\.name\)" has no \$\(context\.git\.commit\)/,
    );
    assert.deepEqual([warnings[0]?.line, warnings[0]?.col], [2, 54]);
  });
  it('does not warn when the GitOps step pins the image by digest', () => {
    const df = parseDispatchfile(file('-substitute=image=$(inputs.resources.docker-image.digest)', 'acme/app:latest'));
    assert.deepEqual(validateDispatchfile(df).warnings, []);
  });
});
