import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DispatchfileError, parseDispatchfile, type Dispatchfile } from '../../src/dispatchfile/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const read = (path: string) => readFileSync(join(fixtures, path), 'utf8');

function problemsOf(text: string, file = 'Dispatchfile'): string[] {
  try {
    parseDispatchfile(text, file);
  } catch (err) {
    assert.ok(err instanceof DispatchfileError, `expected DispatchfileError, got ${String(err)}`);
    return err.message.split('\n');
  }
  assert.fail('expected the Dispatchfile to be refused');
}

describe('the three syntaxes produce one model', () => {
  const groups = new Map<string, string[]>();
  for (const file of readdirSync(join(fixtures, 'equal'))) {
    const base = file.replace(/\.[^.]+$/, '');
    groups.set(base, [...(groups.get(base) ?? []), file]);
  }
  for (const [base, files] of groups) {
    it(`${base}: ${files.join(', ')} are equal`, () => {
      assert.ok(files.length >= 3, `${base} should exist in CUE, YAML and JSON`);
      const models = files.map((f) => parseDispatchfile(read(`equal/${f}`), f));
      const [first, ...rest] = models as [Dispatchfile, ...Dispatchfile[]];
      for (const [i, model] of rest.entries())
        assert.deepStrictEqual(model, first, `${files[i + 1]} differs from ${files[0]}`);
    });
  }

  it('keeps what a worker reads: params, deps folded into inputs, steps, actions', () => {
    const df = parseDispatchfile(read('equal/hello.yaml'));
    assert.deepEqual(df.resources['docker-image'], {
      type: 'image',
      params: { url: 'acme/hello:$(context.git.commit)' },
    });
    assert.deepEqual(df.tasks['build']?.inputs, ['src-git', 'test']);
    assert.equal(df.tasks['deploy']?.steps[0]?.workingDir, '/workspace/gitops-git');
    assert.deepEqual(df.actions, [
      { tasks: ['build', 'deploy'], on: { push: { branches: ['master', '!master-wip'] } } },
    ]);
  });

  it('normalises every condition form: `git:` and top-level, `branches` as pull_request targets, cron kept', () => {
    const df = parseDispatchfile(read('equal/conditions.cue'));
    assert.deepEqual(
      df.actions.map((a) => a.on),
      [
        { tag: { names: ['v*', '!v*-rc*'] } },
        { push: { branches: ['release/**'], paths: ['src/**', '!**/*.md'] } },
        {
          pull_request: {
            targets: ['main'],
            sources: ['feature/*'],
            chatops: ['build'],
            labels: ['ok-to-build'],
            paths: ['Dockerfile'],
          },
        },
        { cron: { schedule: '@daily' } },
      ],
    );
    assert.deepEqual(
      df.resources['src']?.params,
      { url: '$(context.git.url)', revision: '$(context.git.commit)' },
      'two `param` lines merge',
    );
    assert.deepEqual(df.tasks['image']?.steps[0]?.env, { A: '1', B: 'two' });
    assert.equal(
      df.tasks['release']?.steps[0]?.command[2],
      'echo releasing\n  $(context.git.tag)',
      'a multi-line string loses its closing indentation',
    );
  });

  it('serialises without source positions, so JSON output is the model only', () => {
    const df = parseDispatchfile(read('equal/hello.cue'));
    assert.ok(df.locations?.['task.deploy']);
    assert.ok(!('locations' in JSON.parse(JSON.stringify(df))));
  });
});

describe('headers choose the syntax', () => {
  const yaml = 'resource:\n  r:\n    type: git\n    param: {url: "https://x/y"}\n';
  for (const header of [
    '#!mesosphere/dispatch-yaml:v0.6',
    '#!mesosphere/dispatch-yaml:v0.3',
    '#!yaml',
    '#!mesosphere/dispatch-yaml',
  ]) {
    it(`${header} reads YAML`, () => {
      assert.equal(parseDispatchfile(`${header}\n${yaml}`).resources['r']?.params['url'], 'https://x/y');
    });
  }
  it('a JSON document with no header is read as CUE (CUE is a superset of JSON)', () => {
    const df = parseDispatchfile('{"resource": {"r": {"type": "git", "param": {"url": "u"}}}}');
    assert.equal(df.resources['r']?.type, 'git');
  });
  it('#!json refuses YAML-only syntax', () => {
    assert.match(problemsOf(`#!json\n${yaml}`)[0] ?? '', /^Dispatchfile:2:1: JSON: /);
  });
  for (const header of ['#!mesosphere/dispatch-starlark:v0.5', '#!starlark']) {
    it(`${header} is refused, naming the supported syntaxes`, () => {
      const [line] = problemsOf(`${header}\nload("x", "y")\n`);
      assert.match(
        line ?? '',
        /^Dispatchfile:1:1: Starlark Dispatchfiles are not supported .*#!mesosphere\/dispatch-cue:v0\.6/,
      );
    });
  }
  it('an unknown header is refused', () => {
    assert.match(problemsOf('#!toml\na = 1\n')[0] ?? '', /^Dispatchfile:1:1: unknown syntax header "#!toml"/);
  });
  it('a YAML file without a header gets a hint to add one', () => {
    assert.match(problemsOf(yaml)[0] ?? '', /read as CUE; start a YAML file with `#!mesosphere\/dispatch-yaml:v0\.6`/);
  });
});

describe('every problem at once, each with its file:line:col', () => {
  it('lists unknown names, bad outputs and unknown fields together, in line order', () => {
    const lines = problemsOf(read('broken/many-problems.yaml'), 'ci/Dispatchfile');
    assert.deepEqual(lines, [
      'ci/Dispatchfile:3:3: image resource "img" has no `url` param; add param url: "…"',
      'ci/Dispatchfile:5:5: unknown field `parms` in resource "img"; expected one of `type`, `param`, `params`',
      'ci/Dispatchfile:10:14: task "build" has input "src-git", which is neither a resource nor a task; define it or fix the name',
      'ci/Dispatchfile:10:23: task "build" has input "src", which is neither a resource nor a task; define it or fix the name',
      'ci/Dispatchfile:11:15: task "build" has output "img2", which is not a defined resource; outputs name resources',
      'ci/Dispatchfile:17:9: unknown field `brances` in `on push` of action 1; expected one of `branches`, `paths`',
    ]);
  });
});
