import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DispatchError } from '../../src/core/errors.js';
import { parseDispatchfile, planTasks } from '../../src/dispatchfile/index.js';

const hello = readFileSync(join(import.meta.dirname, 'fixtures/equal/hello.cue'), 'utf8');

describe('planTasks', () => {
  it('runs the closure of the named tasks once each, image before the GitOps task that takes it', () => {
    const plan = planTasks(parseDispatchfile(hello), ['deploy', 'build', 'deploy']);
    assert.deepEqual(
      plan.map((p) => [p.name, p.kind, p.dependsOn]),
      [
        ['test', 'external', []],
        ['build', 'image', ['test']],
        ['deploy', 'gitops', ['build']],
      ],
    );
  });

  it('says why a task is left to CI, naming step and image', () => {
    const [test] = planTasks(parseDispatchfile(hello), ['test']);
    assert.equal(test?.externalReason, 'left to your CI: step test (golang:1.13)');
    assert.equal(test?.task.steps[0]?.command.join(' '), 'go test ./...');
  });

  it('treats an image output as an image task whatever its steps, and dispatchd/ images as GitOps', () => {
    const df = parseDispatchfile(`
resource "img": { type: "image", param url: "r/app:$(context.git.commit)" }
resource "ops": { type: "git", param url: "https://git.example/ops" }
task "img": { outputs: ["img"], steps: [{name: "x", image: "dispatchd/update-gitops-repo"}] }
task "ship": { inputs: ["img", "ops"], steps: [{name: "u", image: "dispatchd/update-gitops-repo", workingDir: "/workspace/ops/staging"}] }
task "lint": { steps: [{name: "a", image: "eslint"}, {name: "b", image: "prettier:3"}] }
actions: [{ tasks: ["ship", "lint"], on push branches: ["main"] }]
`);
    const plan = planTasks(df, ['ship', 'lint']);
    assert.deepEqual(
      plan.map((p) => `${p.name}:${p.kind}`),
      ['img:image', 'ship:gitops', 'lint:external'],
    );
    assert.equal(plan[2]?.externalReason, 'left to your CI: steps a (eslint), b (prettier:3)');
  });

  it('refuses an unknown task name with a permanent error', () => {
    assert.throws(
      () => planTasks(parseDispatchfile(hello), ['nope']),
      (err: unknown) => {
        assert.ok(err instanceof DispatchError);
        assert.equal(err.code, 'dispatchfile_invalid');
        assert.match(err.message, /task "nope" is not defined/);
        return true;
      },
    );
  });
});

describe('the task graph is checked when parsing', () => {
  it('reports a dependency cycle with its path', () => {
    assert.throws(
      () =>
        parseDispatchfile(`
resource "r": { type: "storage" }
task "a": { inputs: ["b"], outputs: ["r"], steps: [] }
task "b": { inputs: ["r"], steps: [] }
actions: [{ tasks: ["a"], on push: {} }]
`),
      /Dispatchfile:3:6: tasks depend on each other in a cycle: a → b → a/,
    );
  });
  it('reports a resource produced by two tasks', () => {
    assert.throws(
      () =>
        parseDispatchfile(`
resource "r": { type: "storage" }
task "a": { outputs: ["r"], steps: [] }
task "b": { outputs: ["r"], steps: [] }
`),
      /Dispatchfile:4:23: resource "r" is the output of both task "a" and task "b"/,
    );
  });
});
