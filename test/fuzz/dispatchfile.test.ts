import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { PermanentError } from '../../src/core/errors.js';
import {
  DispatchfileError,
  matchActions,
  parseDispatchfile,
  planTasks,
  validateDispatchfile,
  type Trigger,
} from '../../src/dispatchfile/index.js';
import { MAX_YAML_ALIAS_EXPANSIONS, MAX_YAML_ALIAS_NODES } from '../../src/dispatchfile/limits.js';
import { readYaml } from '../../src/dispatchfile/syntax/yaml-tree.js';
import { dispatchfile } from '../e2e/fixtures.js';
import { damagedText, mutatedJson } from './mutate.js';
import { fuzzSeed } from './seed.js';

/**
 * Structural fuzzing of the Dispatchfile: real files (the e2e file, the test fixtures) turned into
 * their JSON model, then fields deleted, retyped or given prototype-shaped keys, and written back
 * as `#!json` and `#!yaml`. test/dispatchfile/property.test.ts covers token soup; this reaches
 * the normaliser and planner with well-formed text of the wrong shape. Whatever the text, the
 * result is a model or a DispatchfileError whose every problem has a position and a message.
 */
const SEED = fuzzSeed('dispatchfile fuzz');
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const dir = new URL('../dispatchfile/fixtures/equal/', import.meta.url);
const texts = [
  dispatchfile('https://github.example.com/acme/gitops', 'github'),
  dispatchfile('https://gitlab.example.com/acme/gitops', 'gitlab', ['-merge-pull-request=true', '-branch=deploy']),
  ...readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => readFileSync(new URL(f, dir), 'utf8')),
];
const models = texts.map((t) => parseYaml(t.replace(/^#!.*\n/, '')) as unknown);

function usableOrExplained(text: string): void {
  let df;
  try {
    df = parseDispatchfile(text, 'Dispatchfile');
  } catch (err) {
    assert.ok(
      err instanceof DispatchfileError,
      `threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n---\n${text.slice(0, 800)}`,
    );
    assert.ok(err.problems.length > 0, 'a refusal lists at least one problem');
    for (const p of err.problems) {
      assert.ok(p.line >= 1 && p.col >= 1, `problem without a position: ${JSON.stringify(p)}`);
      assert.ok(p.message.trim().length > 5, `problem without a message: ${JSON.stringify(p)}`);
    }
    return;
  }
  assert.ok(({} as Record<string, unknown>).polluted === undefined, 'a "__proto__" key reached Object.prototype');
  const { errors, warnings } = validateDispatchfile(df);
  for (const p of [...errors, ...warnings])
    assert.ok(p.message.trim().length > 5, `validation problem without a message: ${JSON.stringify(p)}`);
  const triggers: Trigger[] = [
    { kind: 'push', branch: 'staging', changedPaths: ['VERSION'] },
    { kind: 'tag', tag: 'v1.0.0' },
  ];
  for (const trigger of triggers) {
    for (const action of matchActions(df, trigger)) {
      try {
        planTasks(df, action.tasks);
      } catch (err) {
        // Planning may refuse (say, a task cycle), but only as a permanent error with a message.
        assert.ok(err instanceof PermanentError && err.message.length > 5, `planTasks threw ${(err as Error).message}`);
      }
    }
  }
}

describe('Dispatchfile parser under structural fuzzing', () => {
  it(`mutated models written as #!json and #!yaml parse or are refused with positioned problems (${RUNS} runs each)`, () => {
    const asText = fc
      .tuple(mutatedJson(models), fc.constantFrom('json', 'yaml'))
      .map(([json, syntax]) =>
        syntax === 'json' ? `#!json\n${json}` : `#!yaml\n${toYaml(JSON.parse(json), { aliasDuplicateObjects: false })}`,
      );
    fc.assert(fc.property(asText, usableOrExplained), { seed: SEED, numRuns: RUNS });
  });

  it('damaged real files (truncated, spliced, duplicated spans) parse or are refused with positioned problems', () => {
    fc.assert(fc.property(damagedText(texts), usableOrExplained), { seed: SEED, numRuns: RUNS });
  });

  it('YAML anchors and aliases in any arrangement are expanded within the limits', () => {
    // Anchor k holds literals and aliases of earlier anchors (or of itself): trees, DAGs with
    // exponential fan-out, and cycles. Whatever the arrangement, expanding stops at the limits.
    const anchor = fc.array(fc.oneof(fc.constant('x'), fc.nat(7)), { minLength: 1, maxLength: 12 });
    const arrangement = fc
      .array(anchor, { minLength: 1, maxLength: 8 })
      .map(
        (anchors) =>
          `#!yaml\n${anchors.map((items, k) => `a${k}: &a${k} [${items.map((it) => (it === 'x' ? 'x' : `*a${Math.min(it, k)}`)).join(', ')}]`).join('\n')}\n`,
      );
    fc.assert(
      fc.property(arrangement, (text) => {
        usableOrExplained(text);
        const work = readYaml(text.slice('#!yaml'.length));
        assert.ok((work.aliasExpansions ?? 0) <= MAX_YAML_ALIAS_EXPANSIONS + 1, `${work.aliasExpansions} expansions`);
        assert.ok((work.aliasNodes ?? 0) <= MAX_YAML_ALIAS_NODES + 1, `${work.aliasNodes} nodes`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
