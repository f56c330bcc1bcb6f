import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchfileError, parseDispatchfile } from '../../src/dispatchfile/index.js';

/** [what is wrong, the file, the expected `line:col` of the first problem, words of its message]. */
const CORPUS: [string, string, string, RegExp][] = [
  // CUE syntax outside the subset: each names the construct.
  ['disjunction', 'resource "r": { type: "git" | "image" }', '1:29', /disjunctions \(`a \| b`\)/],
  ['unification', 'resource "r": { type: "git" & string }', '1:29', /unification with `&`/],
  ['default marker', 'resource "r": { type: *"git" }', '1:23', /default markers/],
  ['definition label', '#Task: { steps: [] }', '1:1', /definitions \(`#Task`\)/],
  ['definition value', 'task "a": #Task', '1:11', /definitions \(`#Task`\)/],
  ['reference', 'resource "r": {\n  type: git\n}', '2:9', /references to other fields \(`git`\).*quote strings: "git"/],
  ['type as value', 'resource "r": { type: string }', '1:23', /types as values \(`string`\)/],
  ['optional field', 'resource "r": { type?: "git" }', '1:21', /optional fields/],
  ['required field', 'resource "r": { type!: "git" }', '1:21', /required-field markers/],
  ['alias', 'X = "git"\nresource "r": { type: X }', '1:3', /aliases and let bindings/],
  ['let', 'let x = 1', '1:1', /let bindings are not supported/],
  ['import', 'import "strings"', '1:1', /imports are not supported/],
  ['package', 'package dispatch\n', '1:1', /package clauses/],
  ['comprehension', 'actions: [ for x in y { tasks: [x] } ]', '1:12', /comprehensions \(`for`\)/],
  ['interpolation', 'resource "r": { type: "git", param url: "http://\\(host)" }', '1:49', /string interpolation/],
  ['block comment', '/* hi */\nresource "r": {}', '1:1', /block comments/],
  ['bound', 'resource "r": { type: >=1 }', '1:23', /bound constraints \(`>=`\)/],
  ['arithmetic', 'resource "r": { type: "g" + "it" }', '1:27', /string concatenation \(`\+`\)/],
  ['selector', 'resource "r": { type: "git" }\nx: resource.r', '2:4', /selectors/],
  ['hidden field', '_x: 1', '1:1', /hidden fields \(`_x`\)/],
  ['pattern constraint', 'task: [string]: {}', '1:7', /pattern constraints/],
  ['attribute', 'resource "r": { type: "git" @go(Type) }', '1:29', /attributes/],
  ['byte string', 'resource "r": { type: \'git\' }', '1:23', /single-quoted byte strings/],
  ['ellipsis in the middle of a list', 'actions: [..., {tasks: ["a"]}]', '1:11', /`\.\.\.` may only end a list/],
  ['si number', 'resource "r": { type: "git", param n: 1Ki }', '1:39', /SI suffixes/],
  // CUE structure.
  ['unclosed string', 'resource "r": {\n  type: "git\n}', '2:9', /string not closed before the end of the line/],
  ['unclosed struct', 'resource "r": {\n  type: "git"\n', '3:1', /the file ends early: the `\{` at 1:15 is not closed/],
  ['unclosed list', 'actions: [\n  {tasks: ["a"]}\n', '3:1', /the file ends early: the `\[` at 1:10 is not closed/],
  ['stray brace', 'resource "r": { type: "git" } }', '1:31', /unexpected `}` with no `\{` open/],
  ['missing colon', 'resource "r" {\n  type: "git"\n}', '1:14', /expected `:` after the label "r", found `\{`/],
  ['field in a list', 'actions: [ tasks: ["a"] ]', '1:12', /a list element cannot be a field/],
  [
    'conflicting values',
    'resource "r": {\n  type: "git"\n  type: "image"\n}',
    '3:3',
    /`type` is given twice with different values \(first at 2:3\)/,
  ],
  ['bad escape', 'resource "r": { type: "g\\qit" }', '1:25', /unknown escape `\\q`/],
  [
    'multi-line string indent',
    'task "t": { steps: [{ name: "s", image: "i", args: ["""\n  a\n b\n  """] }] }',
    '3:1',
    /indented less than its closing `"""`/,
  ],
  ['multi-line string unclosed', 'x: """\nabc\n', '1:4', /multi-line string not closed/],
  // YAML and JSON.
  [
    'yaml indentation',
    '#!yaml\nresource:\n  r:\n    type: git\n   params: {}\n',
    '5:1',
    /^YAML: All mapping items must start at the same column/,
  ],
  [
    'yaml duplicate key',
    '#!yaml\nresource:\n  r: {type: git}\n  r: {type: image}\n',
    '4:3',
    /^YAML: .*[Uu]nique|^YAML: .*duplicate|^YAML: /,
  ],
  [
    'json trailing comma',
    '#!json\n{\n  "resource": {},\n}\n',
    '4:1',
    /JSON: expected a "quoted" property name, found "\}"/,
  ],
  ['json comment', '#!json\n// hi\n{}', '2:1', /JSON: expected a value, found "\/"/],
  [
    'json unclosed',
    '#!json\n{"resource": {"r": {"type": "git"}',
    '2:35',
    /JSON: expected `,` or `\}` after the property value, found the end of the file/,
  ],
  ['json duplicate', '#!json\n{"task": {}, "task": {}}', '2:14', /property "task" is given twice/],
  // The model.
  ['not a struct', '#!yaml\n- a\n- b\n', '2:1', /a Dispatchfile must be a struct/],
  ['unknown top-level', 'resources: {}', '1:1', /unknown top-level field `resources`; did you mean `resource`\?/],
  [
    'resource type',
    'resource "r": { type: "gcs" }',
    '1:23',
    /unknown type "gcs" of resource "r"; use one of "git", "image", "storage"/,
  ],
  ['resource without type', 'resource "r": { param url: "x" }', '1:10', /resource "r" has no `type`/],
  ['step without image', 'task "t": { steps: [{ name: "s" }] }', '1:21', /step 1 of task "t" has no `image`/],
  [
    'args not a list',
    'task "t": { steps: [{ name: "s", image: "i", args: "-x" }] }',
    '1:52',
    /`args` of step 1 of task "t" must be a list of strings/,
  ],
  [
    'action without on',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"] }]',
    '2:11',
    /action 1 has no `on` condition/,
  ],
  [
    'unknown event',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"], on merge: {} }]',
    '2:30',
    /unknown field `merge` in `on` of action 1/,
  ],
  [
    'targets and branches',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"], on pull_request: { targets: ["a"], branches: ["b"] } }]',
    '2:62',
    /`targets` and `branches` .* mean the same/,
  ],
  [
    'push twice',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"], on: { push: {}, git: push: {} } }]',
    '2:48',
    /`push` is given twice/,
  ],
  [
    'typo in branches',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"], on push brances: ["main"] }]',
    '2:35',
    /unknown field `brances` in `on push` of action 1; expected one of `branches`, `paths`/,
  ],
  [
    'unknown task in action',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t", "x"], on push: {} }]',
    '2:26',
    /action 1 runs task "x", which is not defined/,
  ],
  [
    'bad glob',
    'task "t": { steps: [] }\nactions: [{ tasks: ["t"], on push branches: ["!"] }]',
    '2:27',
    /empty glob "!"/,
  ],
  [
    'gitops without workingDir',
    'resource "g": { type: "git", param url: "u" }\ntask "t": { inputs: ["g"], steps: [{ name: "u", image: "mesosphere/update-gitops-repo:1.2.0" }] }',
    '2:36',
    /has no usable workingDir/,
  ],
  [
    'gitops repo not an input',
    'resource "g": { type: "git", param url: "u" }\ntask "t": { steps: [{ name: "u", image: "dispatchd/update-gitops-repo", workingDir: "/workspace/g" }] }',
    '2:21',
    /does not list it in its inputs/,
  ],
  ['starlark', '#!mesosphere/dispatch-starlark:v0.6\ntask("t")', '1:1', /Starlark Dispatchfiles are not supported/],
];

describe('broken Dispatchfiles point at the line and column', () => {
  for (const [what, text, where, message] of CORPUS) {
    it(`${what} → ${where}`, () => {
      assert.throws(
        () => parseDispatchfile(text, 'Dispatchfile'),
        (err: unknown) => {
          assert.ok(err instanceof DispatchfileError, `expected DispatchfileError, got ${String(err)}`);
          assert.equal(err.code, 'dispatchfile_invalid');
          const first = err.problems[0];
          assert.equal(`${first?.line}:${first?.col}`, where, err.message);
          assert.match(first?.message ?? '', message);
          assert.ok(err.message.startsWith(`Dispatchfile:${where}: `));
          assert.equal(err.message.split('\n').length, err.problems.length);
          return true;
        },
      );
    });
  }
});
