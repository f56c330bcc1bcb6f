import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchdConfig } from '../../src/config/schema.js';
import type { PlannedTask } from '../../src/dispatchfile/index.js';
import { ciGatesOf } from '../../src/plan/ci-gates.js';

const task = (name: string, kind: PlannedTask['kind'], dependsOn: string[] = []): PlannedTask =>
  ({ name, kind, dependsOn, task: { inputs: [], outputs: [], steps: [] } }) as unknown as PlannedTask;

describe('CI gates of a GitOps task', () => {
  const config = DispatchdConfig.parse({
    hosts: { gh: { kind: 'github', url: 'https://github.com', token: 't' } },
    repositories: [{ host: 'gh', repo: 'acme/app', ciContexts: { lint: 'ci/lint' } }],
  });
  const plan = [
    task('unit', 'external'),
    task('lint', 'external'),
    task('build', 'image', ['unit']),
    task('deploy', 'gitops', ['build', 'lint']),
  ];

  it('are the external tasks it depends on, through others too, with the configured context or the task name', () => {
    assert.deepEqual(ciGatesOf(config, { host: 'gh', fullName: 'acme/app' }, plan, plan[3]!), [
      { task: 'lint', context: 'ci/lint' },
      { task: 'unit', context: 'unit' },
    ]);
  });

  it('are none for a task that depends on nothing left to CI', () => {
    assert.deepEqual(ciGatesOf(config, { host: 'gh', fullName: 'acme/app' }, plan, task('deploy', 'gitops', [])), []);
  });
});
