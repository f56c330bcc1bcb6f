import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_DISPATCHFILE_BYTES,
  DispatchfileError,
  matchActions,
  MAX_MATCH_STEPS,
  needsChangedPaths,
  parseDispatchfile,
  planTasks,
  StepBudget,
  type Dispatchfile,
  type Problem,
  type Trigger,
} from '../../src/dispatchfile/index.js';
import {
  MAX_NESTING_DEPTH,
  MAX_REPORTED_PROBLEMS,
  MAX_YAML_ALIAS_EXPANSIONS,
  MAX_YAML_ALIAS_NODES,
} from '../../src/dispatchfile/limits.js';
import { readYaml } from '../../src/dispatchfile/syntax/yaml-tree.js';

/**
 * "Hostile input is refused cheaply": whoever pushes a branch writes the Dispatchfile, so size,
 * nesting and YAML alias expansion are bounded, and each refusal is a problem at a line and
 * column that names the limit. Work is asserted with the parser's counters, not wall time.
 */

function refusal(text: string, options?: { maxBytes?: number }): DispatchfileError {
  try {
    parseDispatchfile(text, 'Dispatchfile', options);
  } catch (err) {
    assert.ok(err instanceof DispatchfileError, `expected DispatchfileError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the Dispatchfile to be refused');
}

/** Where `needle` starts in text, 1-based (its `nth` occurrence). */
function posOf(text: string, needle: string, nth = 1): { line: number; col: number } {
  let at = -1;
  for (let k = 0; k < nth; k += 1) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not in the text`);
  const before = text.slice(0, at);
  return { line: before.split('\n').length, col: at - before.lastIndexOf('\n') };
}

/** The YAML "billion laughs": level k holds nine of level k-1, padded to an exact size. */
function aliasBomb(levels: number, bytes: number): string {
  const names = 'abcdefghijklmnopqrstuvwxyz';
  let body = `a: &a [${Array(9).fill('x').join(',')}]\n`;
  for (let i = 1; i < levels; i += 1)
    body += `${names[i]}: &${names[i]} [${Array(9)
      .fill(`*${names[i - 1]}`)
      .join(',')}]\n`;
  const head = '#!yaml\n# ';
  const pad = bytes - head.length - 1 - body.length;
  assert.ok(pad >= 0);
  return `${head}${'.'.repeat(pad)}\n${body}`;
}

describe('YAML aliases are expanded within a budget', () => {
  // Before: 7 levels (≈240 bytes) took 14 s of CPU and 750 MB; 8 levels ran out of a 4 GB heap.
  for (const [levels, bytes] of [
    [7, 476],
    [8, 526],
    [20, 1200],
  ] as const) {
    it(`a ${bytes}-byte alias bomb (${levels} levels of nine) is refused after ${MAX_YAML_ALIAS_EXPANSIONS} expansions`, () => {
      const text = aliasBomb(levels, bytes);
      assert.equal(Buffer.byteLength(text), bytes);
      const err = refusal(text);
      assert.equal(err.problems.length, 1);
      const [problem] = err.problems as [Problem];
      assert.match(
        problem.message,
        new RegExp(`expanded more than ${MAX_YAML_ALIAS_EXPANSIONS} times.*at most ${MAX_YAML_ALIAS_EXPANSIONS}`),
      );
      // At the first alias of the level where the count ran out (d: 9 + 90 expansions before it).
      assert.deepEqual({ line: problem.line, col: problem.col }, posOf(text, '*c'));
      assert.ok(err.message.startsWith(`Dispatchfile:${problem.line}:${problem.col}: YAML aliases`));

      const work = readYaml(text.slice('#!yaml'.length));
      assert.equal(work.aliasExpansions, MAX_YAML_ALIAS_EXPANSIONS + 1, 'stops at the first expansion past the limit');
      assert.ok((work.aliasNodes ?? Infinity) <= 10 * MAX_YAML_ALIAS_EXPANSIONS, `expanded ${work.aliasNodes} nodes`);
    });
  }

  it(`aliases that add more than ${MAX_YAML_ALIAS_NODES} nodes are refused at the alias, having built no more`, () => {
    const text = `#!yaml\nbig: &big [${Array(2000).fill('x').join(', ')}]\ncopies: [*big, *big, *big, *big, *big, *big]\n`;
    const err = refusal(text);
    assert.equal(err.problems.length, 1);
    assert.match(
      err.problems[0]?.message ?? '',
      new RegExp(`more than ${MAX_YAML_ALIAS_NODES} nodes.*at most ${MAX_YAML_ALIAS_NODES}`),
    );
    assert.deepEqual({ line: err.problems[0]?.line, col: err.problems[0]?.col }, posOf(text, '*big', 5));
    const work = readYaml(text.slice('#!yaml'.length));
    assert.equal(work.aliasNodes, MAX_YAML_ALIAS_NODES + 1);
    assert.equal(work.aliasExpansions, 5);
  });

  it('an alias inside its own anchor is refused (it would never end)', () => {
    const err = refusal('#!yaml\nloop: &l [a, [b, *l]]\n');
    assert.match(err.problems[0]?.message ?? '', /alias \*l is inside the node anchored &l/);
    assert.deepEqual({ line: err.problems[0]?.line, col: err.problems[0]?.col }, { line: 2, col: 18 });
  });

  it('aliases that nest a tree past the depth limit are refused', () => {
    const deep = `${'['.repeat(40)}x${']'.repeat(40)}`;
    const err = refusal(
      `#!yaml\na: &d ${deep}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n`,
    );
    assert.match(err.problems[0]?.message ?? '', new RegExp(`nesting deeper than ${MAX_NESTING_DEPTH} levels`));
  });

  it('a Dispatchfile that reuses steps by alias still parses, as if written out', () => {
    const step = `{name: update, image: "mesosphere/update-gitops-repo:1.2.0", workingDir: /workspace/ops, args: ["-filepath=staging/*.tmpl"]}`;
    const common = `resource:
  ops: {type: git, param: {url: "https://git.example/ops"}}
actions:
  - {tasks: [a, b], on: {push: {branches: [main]}}}
`;
    const withAliases = `#!yaml\n${common}task:\n  a: {inputs: &in [ops], steps: [&step ${step}]}\n  b: {inputs: *in, steps: [*step]}\n`;
    const written = `#!yaml\n${common}task:\n  a: {inputs: [ops], steps: [${step}]}\n  b: {inputs: [ops], steps: [${step}]}\n`;
    assert.deepStrictEqual(parseDispatchfile(withAliases), parseDispatchfile(written));
  });
});

describe('the size of a Dispatchfile is limited', () => {
  it(`the default limit is 256 KiB (${DEFAULT_MAX_DISPATCHFILE_BYTES} bytes)`, () => {
    assert.equal(DEFAULT_MAX_DISPATCHFILE_BYTES, 256 * 1024);
  });

  for (const [syntax, head] of [
    ['CUE', ''],
    ['YAML', '#!yaml\n'],
    ['JSON', '#!json\n'],
  ] as const) {
    it(`a 300 KiB ${syntax} file is refused naming 256 KiB, at the byte past the limit, before it is read`, () => {
      const line = `${syntax === 'JSON' ? ' ' : '#'}${'x'.repeat(98)}\n`; // 100 bytes
      const text = head + line.repeat((300 * 1024 - head.length) / 100 + 1);
      assert.ok(Buffer.byteLength(text) > 300 * 1024);
      const err = refusal(text);
      assert.equal(err.problems.length, 1, 'nothing else is reported: the file was not read');
      const [p] = err.problems as [Problem];
      assert.match(
        p.message,
        new RegExp(`the file is ${Buffer.byteLength(text)} bytes, over the 256 KiB \\(262144 bytes\\) limit`),
      );
      const past = DEFAULT_MAX_DISPATCHFILE_BYTES - head.length; // bytes of lines before the first byte past the limit
      assert.deepEqual(
        { line: p.line, col: p.col },
        { line: (head ? 2 : 1) + Math.floor(past / 100), col: (past % 100) + 1 },
      );
    });
  }

  it('counts bytes of UTF-8, not characters', () => {
    const text = `// ${'é'.repeat(140 * 1024)}\n`; // 140 Ki characters, 280 KiB
    assert.match(refusal(text).problems[0]?.message ?? '', /over the 256 KiB/);
  });

  it('the limit is an option: a file at the limit is read, one byte more is refused', () => {
    const file = (bytes: number) => `// ${'x'.repeat(bytes - 4)}\n`;
    assert.equal(Buffer.byteLength(file(1000)), 1000);
    assert.doesNotThrow(() => parseDispatchfile(file(1000), 'Dispatchfile', { maxBytes: 1000 }));
    const err = refusal(file(1001), { maxBytes: 1000 });
    assert.match(err.message, /^Dispatchfile:1:1001: the file is 1001 bytes, over the 1000 bytes limit/);
  });
});

describe(`nesting is limited to ${MAX_NESTING_DEPTH} levels in every syntax (the top level counts as 1)`, () => {
  const lists = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const cases: [string, (depth: number) => string, (text: string) => { line: number; col: number }][] = [
    ['JSON arrays', (d) => `#!json\n{"x": ${lists(d - 1)}}`, (t) => posOf(t, '[', MAX_NESTING_DEPTH)],
    [
      'JSON objects',
      (d) => `#!json\n${'{"a": '.repeat(d)}1${'}'.repeat(d)}`,
      (t) => posOf(t, '{', MAX_NESTING_DEPTH + 1),
    ],
    ['YAML flow lists', (d) => `#!yaml\nx: ${lists(d - 1)}\n`, (t) => posOf(t, '[', MAX_NESTING_DEPTH)],
    [
      'YAML block lists',
      (d) => `#!yaml\nx:\n${Array.from({ length: d - 1 }, (_, i) => `${' '.repeat(2 * i + 2)}-`).join('\n')} v\n`,
      (t) => posOf(t, '-', MAX_NESTING_DEPTH),
    ],
    [
      'YAML block maps',
      (d) => `#!yaml\n${Array.from({ length: d }, (_, i) => `${' '.repeat(2 * i)}k${i}:`).join('\n')} v\n`,
      (t) => posOf(t, `k${MAX_NESTING_DEPTH}:`),
    ],
    ['CUE lists', (d) => `x: ${lists(d - 1)}`, (t) => posOf(t, '[', MAX_NESTING_DEPTH)],
    ['CUE structs', (d) => `${'a: {'.repeat(d - 1)}${'}'.repeat(d - 1)}`, (t) => posOf(t, '{', MAX_NESTING_DEPTH)],
    [
      'CUE label chains',
      (d) => `${Array.from({ length: d }, (_, i) => `k${i}`).join(' ')}: 1`,
      (t) => posOf(t, `k${MAX_NESTING_DEPTH}:`),
    ],
    [
      'CUE colon chains',
      (d) => `${Array.from({ length: d }, (_, i) => `k${i}:`).join(' ')} 1`,
      (t) => posOf(t, `k${MAX_NESTING_DEPTH}:`),
    ],
  ];
  for (const [what, file, where] of cases) {
    it(`${what}: ${MAX_NESTING_DEPTH} levels are read, ${MAX_NESTING_DEPTH + 1} are refused at the level past the limit`, () => {
      const ok = refusal(file(MAX_NESTING_DEPTH));
      assert.doesNotMatch(ok.message, /nesting deeper/, 'refused only for its unknown field');
      const text = file(MAX_NESTING_DEPTH + 1);
      const err = refusal(text);
      assert.equal(err.problems.length, 1);
      assert.match(err.problems[0]?.message ?? '', new RegExp(`nesting deeper than ${MAX_NESTING_DEPTH} levels`));
      assert.deepEqual({ line: err.problems[0]?.line, col: err.problems[0]?.col }, where(text));
    });
  }

  it('a file of 200 000 brackets in any syntax is refused without overflowing the stack', () => {
    for (const text of [
      '#!yaml\nx: '.concat('['.repeat(200_000)),
      '#!yaml\n'.concat('- '.repeat(100_000)),
      '#!json\n'.concat('['.repeat(200_000)),
      'x: '.concat('['.repeat(200_000)),
      'k '.repeat(100_000).concat(': 1'),
    ]) {
      assert.match(refusal(text).problems[0]?.message ?? '', /nesting deeper than 64 levels/);
    }
  });
});

describe('hostile files cost work linear in their size', () => {
  // Each of these took from seconds to minutes before (quadratic paths); the counts below keep
  // them from coming back without timing anything.
  it('a map of 20 000 keys finds its duplicate key with a map, and says where the first was', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`);
    const err = refusal(`#!yaml\n{${keys.join(', ')}, k7: 2}\n`);
    const dup = err.problems.find((p) => /given twice/.test(p.message));
    assert.match(
      dup?.message ?? '',
      /^YAML: the key "k7" is given twice in this map \(first at 2:\d+\); map keys must be unique/,
    );
  });

  it('256 KiB of `#`, of blank lines, or of inputs to one task is refused in a fraction of the time a quadratic pass would take', () => {
    // Before: `#####…` 80 s (the CUE lexer rescanned the run from every `#`), blank lines then
    // `}` over 60 s (a `^\s*` regex across lines), 40 000 inputs 1.4 s (includes). Now each is
    // tens of milliseconds; the bound is loose so a busy machine cannot fail it.
    const near = DEFAULT_MAX_DISPATCHFILE_BYTES - 64;
    const inputs = `task "t": { inputs: [${Array.from({ length: 30_000 }, (_, i) => `"a${i}"`).join(',')}] }`;
    for (const text of ['#'.repeat(near), `${'\n'.repeat(near)}}`, `${' \n'.repeat(near / 2)}}`, inputs]) {
      const started = process.hrtime.bigint();
      refusal(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
    }
  });

  it(`a refusal lists at most ${MAX_REPORTED_PROBLEMS} problems, then how many more`, () => {
    const text = Array.from({ length: 5000 }, (_, i) => `x${i}: 1`).join('\n');
    const err = refusal(text);
    assert.equal(err.problems.length, MAX_REPORTED_PROBLEMS + 1);
    assert.match(
      err.problems[MAX_REPORTED_PROBLEMS]?.message ?? '',
      /…and 4900 more problems from here on \(at most 100 are listed\)/,
    );
    assert.equal(err.message.split('\n').length, err.problems.length);
  });

  it('a chain of 20 000 tasks is checked and planned without recursion', () => {
    const n = 20_000;
    const tasks = Array.from(
      { length: n },
      (_, i) => `task "t${i}": { ${i > 0 ? `inputs: ["t${i - 1}"], ` : ''}steps: [] }`,
    );
    const big = { maxBytes: 4 * 1024 * 1024 };
    const df = parseDispatchfile(
      `${tasks.join('\n')}\nactions: [{ tasks: ["t${n - 1}"], on push: {} }]`,
      'Dispatchfile',
      big,
    );
    const plan = planTasks(df, [`t${n - 1}`]);
    assert.equal(plan.length, n);
    assert.deepEqual([plan[0]?.name, plan[n - 1]?.dependsOn], ['t0', [`t${n - 2}`]]);
    const cyclic = tasks.join('\n').replace('task "t0": { steps', `task "t0": { inputs: ["t${n - 1}"], steps`);
    assert.match(
      refusal(cyclic, big).problems[0]?.message ?? '',
      new RegExp(`tasks depend on each other in a cycle: t0 → t${n - 1} → t${n - 2} → `),
    );
  });
});

describe('a problem inside a step is reported at the string that holds it', () => {
  const bad = {
    arg: '-substitute=image=$(context.git.nope)',
    command: 'echo $(context.build.nope)',
    env: 'v-$(inputs.resources.img.nope)',
    dir: '/workspace/ops/$(context.git.nope2)',
  };
  const files: Record<string, string> = {
    CUE: `resource "ops": { type: "git", param url: "https://git.example/ops" }
resource "img": { type: "image", param url: "acme/app:$(context.git.commit)" }
task "deploy": {
  inputs: ["img", "ops"]
  steps: [
    {
      name: "update"
      image: "mesosphere/update-gitops-repo:1.2.0"
      workingDir: "${bad.dir}"
      args: [
        "-filepath=staging/*.tmpl",
        "${bad.arg}",
      ]
      command: ["sh", "-c", "${bad.command}"]
      env: { TAG: "${bad.env}" }
    },
  ]
}
actions: [{ tasks: ["deploy"], on push branches: ["main"] }]
`,
    YAML: `#!yaml
resource:
  ops: {type: git, param: {url: "https://git.example/ops"}}
  img: {type: image, param: {url: "acme/app:$(context.git.commit)"}}
task:
  deploy:
    inputs: [img, ops]
    steps:
      - name: update
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: ${bad.dir}
        args:
          - -filepath=staging/*.tmpl
          - ${bad.arg}
        command: [sh, -c, "${bad.command}"]
        env:
          - name: TAG
            value: ${bad.env}
actions:
  - {tasks: [deploy], on: {push: {branches: [main]}}}
`,
    JSON: `#!json
{
  "resource": {
    "ops": {"type": "git", "param": {"url": "https://git.example/ops"}},
    "img": {"type": "image", "param": {"url": "acme/app:$(context.git.commit)"}}
  },
  "task": {
    "deploy": {
      "inputs": ["img", "ops"],
      "steps": [{
        "name": "update",
        "image": "mesosphere/update-gitops-repo:1.2.0",
        "workingDir": "${bad.dir}",
        "args": ["-filepath=staging/*.tmpl",
                 "${bad.arg}"],
        "command": ["sh", "-c", "${bad.command}"],
        "env": {"TAG": "${bad.env}"}
      }]
    }
  },
  "actions": [{"tasks": ["deploy"], "on": {"push": {"branches": ["main"]}}}]
}
`,
  };
  for (const [syntax, text] of Object.entries(files)) {
    it(`${syntax}: args, command, env and workingDir problems point at their strings`, () => {
      const err = refusal(text);
      const at = (needle: string) => {
        const p = posOf(text, needle);
        // A quoted string starts at its quote.
        return text[text.indexOf(needle) - 1] === '"' ? { line: p.line, col: p.col - 1 } : p;
      };
      const found = (re: RegExp) => {
        const p = err.problems.find((q) => re.test(q.message));
        assert.ok(p, `no problem matching ${re} in\n${err.message}`);
        return { line: p.line, col: p.col };
      };
      assert.deepEqual(found(/unknown variable \$\(context\.git\.nope\)/), at(bad.arg));
      assert.deepEqual(found(/unknown variable \$\(context\.build\.nope\)/), at(bad.command));
      assert.deepEqual(found(/resource "img" has no param "nope"/), at(bad.env));
      assert.deepEqual(found(/unknown variable \$\(context\.git\.nope2\)/), at(bad.dir));
      assert.equal(err.problems.length, 4, err.message);
    });
  }

  it('a param problem of a resource shared by many tasks is reported once, at the param', () => {
    const tasks = Array.from(
      { length: 50 },
      (_, i) =>
        `task "t${i}": { outputs: [] , inputs: ["img"], steps: [{name: "u", image: "dispatchd/update-gitops-repo", workingDir: "/workspace/ops"}] }`,
    );
    const text = `resource "ops": { type: "git", param url: "u" }\nresource "img": { type: "image", param url: "acme/app:$(context.git.nope)" }\n${tasks.join('\n')}\n`;
    const err = refusal(text);
    const about = err.problems.filter((p) => /context\.git\.nope/.test(p.message));
    assert.equal(about.length, 1);
    assert.deepEqual({ line: about[0]?.line, col: about[0]?.col }, posOf(text, '"acme/app:'));
  });
});

describe(`matching a push is limited to ${MAX_MATCH_STEPS} glob-matching steps`, () => {
  // Before: each glob test was linear, but nothing capped globs × names. 10 000 globs of
  // `*a*a…b` (a 240 KB file) against a 255-character branch cost 133 million steps (≈2 s).
  const costly = `${'*a'.repeat(10)}b`;
  const hostile = (field: string) =>
    `task "t": { steps: [{name: "s", image: "busybox"}] }\nactions: [{ tasks: ["t"], on push ${field}: [${Array(10_000).fill(JSON.stringify(costly)).join(',')}] }]\n`;

  function refusedWithin(df: Dispatchfile, trigger: Trigger): { err: DispatchfileError; budget: StepBudget } {
    const budget = new StepBudget();
    try {
      matchActions(df, trigger, budget);
    } catch (err) {
      assert.ok(err instanceof DispatchfileError, `expected DispatchfileError, got ${String(err)}`);
      return { err, budget };
    }
    assert.fail(`matched within ${budget.spent} steps`);
  }

  for (const [field, trigger] of [
    ['branches', { kind: 'push', branch: 'a'.repeat(255) }],
    [
      'paths',
      { kind: 'push', branch: 'main', changedPaths: Array.from({ length: 3000 }, (_, i) => `${'a'.repeat(60)}${i}`) },
    ],
  ] as [string, Trigger][]) {
    it(`10 000 costly ${field} globs against ${field === 'paths' ? '3 000 changed paths' : 'a 255-character branch'} are refused at the budget, naming it`, () => {
      const text = hostile(field);
      assert.ok(Buffer.byteLength(text) <= DEFAULT_MAX_DISPATCHFILE_BYTES);
      const df = parseDispatchfile(text);
      const { err, budget } = refusedWithin(df, trigger);
      assert.equal(err.problems.length, 1);
      const [p] = err.problems as [Problem];
      assert.match(
        p.message,
        new RegExp(
          `^action 1: the conditions are too costly to evaluate: matching its ${field} globs against the (branch|3000 ` +
            `changed paths) went past the limit of ${MAX_MATCH_STEPS} glob-matching steps per push \\(MAX_MATCH_STEPS\\)`,
        ),
      );
      assert.deepEqual({ line: p.line, col: p.col }, posOf(text, 'on push'));
      // Stopped within one character's work of one glob past the budget, not after the whole list.
      assert.ok(budget.spent > MAX_MATCH_STEPS && budget.spent <= MAX_MATCH_STEPS + 1000, `spent ${budget.spent}`);
    });
  }

  it('unbudgeted, a tenth of those globs already costs more than twice the budget', () => {
    const df = parseDispatchfile(hostile('branches'));
    const tenth = {
      ...df,
      actions: df.actions.map((a) => ({ ...a, on: { push: { branches: a.on.push?.branches?.slice(0, 1000) ?? [] } } })),
    };
    const budget = new StepBudget(Infinity);
    assert.equal(matchActions(tenth, { kind: 'push', branch: 'a'.repeat(255) }, budget).length, 0);
    assert.equal(budget.spent, 1000 * 13_301, 'each glob test costs 13 301 steps (all 10 000: 133 million)');
    assert.ok(budget.spent > 2 * MAX_MATCH_STEPS);
  });

  it('needsChangedPaths is budgeted too, and a smaller budget refuses sooner', () => {
    const df = parseDispatchfile(hostile('branches'));
    assert.throws(
      () => needsChangedPaths(df, { kind: 'push', branch: 'a'.repeat(255) }),
      /too costly to evaluate.*MAX_MATCH_STEPS/,
    );
    const small = new StepBudget(1000);
    assert.throws(
      () => matchActions(df, { kind: 'push', branch: 'a'.repeat(255) }, small),
      /went past the limit of 1000 glob-matching steps per push, counting/,
    );
    assert.ok(small.spent <= 1000 + 1000);
  });

  it('the refusal names the file the Dispatchfile was read from', () => {
    const df = parseDispatchfile(hostile('branches'), '.dispatch/Dispatchfile');
    assert.throws(
      () => matchActions(df, { kind: 'push', branch: 'a'.repeat(255) }),
      /^DispatchfileError: \.dispatch\/Dispatchfile:2:\d+: action 1: the conditions are too costly/,
    );
  });

  it('an ordinary Dispatchfile with 3 000 changed paths stays far below the budget', () => {
    const df = parseDispatchfile(`#!yaml
task:
  t: {steps: [{name: s, image: busybox}]}
actions:
  - {tasks: [t], on: {push: {branches: [main, "release/*"], paths: ["docs/**", "*.md"]}}}
  - {tasks: [t], on: {push: {branches: ["**", "!wip/**"], paths: ["src/**/*.ts", "!**/*.test.ts", "!**/*.md"]}}}
  - {tasks: [t], on: {push: {branches: [main], paths: ["charts/**", "deploy/**/*.yaml"]}}}
  - {tasks: [t], on: {push: {branches: ["feature/*"]}}}
  - {tasks: [t], on: {pull_request: {targets: [main], paths: ["**"]}}}
`);
    // Tests first (all excluded by action 2), the one source file last: every path is tested.
    const changed = [
      ...Array.from({ length: 2999 }, (_, i) => `src/module${i % 50}/sub${i % 7}/file${i}.test.ts`),
      'src/app/main.ts',
    ];
    const budget = new StepBudget();
    assert.equal(matchActions(df, { kind: 'push', branch: 'main', changedPaths: changed }, budget).length, 1);
    assert.ok(budget.spent < MAX_MATCH_STEPS / 2, `spent ${budget.spent}`);

    const typical = new StepBudget();
    const sorted = [...changed].sort();
    assert.equal(matchActions(df, { kind: 'push', branch: 'main', changedPaths: sorted }, typical).length, 1);
    assert.ok(typical.spent < MAX_MATCH_STEPS / 20, `spent ${typical.spent}`);
  });
});
