import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runValidate } from '../../src/cli/validate.js';

// The CLI lives in src/cli; its test sits here because the Dispatchfile language owns it.
const fixtures = join(import.meta.dirname, 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'dispatchd-validate-'));

describe('dispatchd validate', () => {
  it('exits 0 with a summary of actions, tasks and resources', async () => {
    const r = await runValidate(join(fixtures, 'equal/hello.cue'), { json: false });
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /hello\.cue: valid \(cue\): 1 action, 3 tasks, 3 resources/);
    assert.match(r.stdout, /1\. on push branches master !master-wip → build, deploy/);
    assert.match(r.stdout, /test: left to your CI: step test \(golang:1\.13\)/);
    assert.match(r.stdout, /deploy: GitOps update \(after build\)/);
    assert.equal(r.stderr, '');
  });

  it('--json prints the normalised model, equal for every syntax', async () => {
    const outputs = await Promise.all(
      ['cue', 'yaml', 'json'].map((ext) => runValidate(join(fixtures, `equal/hello.${ext}`), { json: true })),
    );
    for (const r of outputs) assert.equal(r.exitCode, 0);
    const model = JSON.parse(outputs[0]?.stdout ?? '') as { actions: unknown[]; tasks: Record<string, unknown> };
    assert.deepEqual(Object.keys(model.tasks), ['test', 'build', 'deploy']);
    assert.equal(outputs[1]?.stdout, outputs[0]?.stdout);
    assert.equal(outputs[2]?.stdout, outputs[0]?.stdout);
  });

  it('exits 1 with one file:line:col line per problem, all at once', async () => {
    const path = join(fixtures, 'broken/many-problems.yaml');
    const r = await runValidate(path, { json: false });
    assert.equal(r.exitCode, 1);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    for (const line of lines) assert.ok(line.startsWith(`${path}:`), line);
    assert.ok(lines.some((l) => l.startsWith(`${path}:17:9: unknown field \`brances\``)));
    const json = await runValidate(path, { json: true });
    assert.equal(json.exitCode, 1);
    assert.equal((JSON.parse(json.stdout) as { problems: unknown[] }).problems.length, 6);
  });

  it('prints warnings on stderr without failing', async () => {
    const path = join(scratch, 'Dispatchfile');
    writeFileSync(path, '#!yaml\nresource:\n  img: {type: image, param: {url: "acme/app:latest"}}\n');
    const r = await runValidate(path, { json: false });
    assert.equal(r.exitCode, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `^${path}:3:35: warning: image resource "img" url "acme/app:latest" has no \\$\\(context\\.git\\.commit\\)`,
      ),
    );
  });

  it('pull_request actions fire: a warning only for labels (none on Bitbucket) and chatops (GitHub comments only)', async () => {
    const path = join(scratch, 'Dispatchfile.pr');
    writeFileSync(
      path,
      [
        '#!yaml',
        'task:',
        '  lint: {steps: [{name: lint, image: golang:1.22}]}',
        'actions:',
        '  - {tasks: [lint], on: {pull_request: {targets: [main]}}}',
        '  - {tasks: [lint], on: {pull_request: {labels: [preview]}}}',
        '  - {tasks: [lint], on: {pull_request: {chatops: [build]}}}',
        '',
      ].join('\n'),
    );
    const r = await runValidate(path, { json: false });
    assert.equal(r.exitCode, 0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(
      warnings[0] ?? '',
      /:6:\d+: warning: action 2: pull_request labels: Bitbucket pull requests have no labels/,
    );
    assert.match(
      warnings[1] ?? '',
      /:7:\d+: warning: action 3: pull_request chatops: a \/command comment fires it on GitHub \(issue_comment events\) and GitLab \(note events\); Bitbucket comments fire nothing/,
    );
  });

  it('exits 1 naming the path when the file is missing', async () => {
    const r = await runValidate(join(scratch, 'nope'), { json: false });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /nope: cannot read the Dispatchfile \(no such file\)/);
  });
});
