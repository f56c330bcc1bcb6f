import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DispatchfileError, matchActions, parseDispatchfile, planTasks } from '../../src/dispatchfile/index.js';

/**
 * Whatever text a repository holds, parsing either returns a model or throws DispatchfileError:
 * never a TypeError, RangeError or a library's own error. The seed is logged so a failure
 * reproduces with FC_SEED=<seed>.
 */
const seed = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
const NUM_RUNS = 400;
console.log(`fast-check seed ${seed} (rerun with FC_SEED=${seed})`);

const dir = join(import.meta.dirname, 'fixtures/equal');
const samples = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));

function parsesOrRefuses(text: string): void {
  try {
    const df = parseDispatchfile(text, 'Dispatchfile');
    // A model that parsed must also be usable by the worker without surprises.
    for (const action of matchActions(df, { kind: 'push', branch: 'main', changedPaths: ['src/a.ts'] }))
      planTasks(df, action.tasks);
  } catch (err) {
    if (err instanceof DispatchfileError) {
      assert.ok(err.problems.length > 0);
      for (const p of err.problems) assert.ok(p.line >= 1 && p.col >= 1, `bad position ${p.line}:${p.col}`);
      return;
    }
    throw err;
  }
}

const tokens = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '\n',
  ' ',
  '"',
  '"""',
  '\\',
  '//',
  '...',
  '|',
  '&',
  '*',
  '#',
  '_',
  '-',
  '!',
  '?',
  '=',
  '$(',
  ')',
  'resource',
  'task',
  'actions',
  'on',
  'push',
  'branches',
  'steps',
  'name',
  'image',
  'inputs',
  'outputs',
  '"x"',
  '1',
  'true',
  'null',
  '#!yaml\n',
  '#!json\n',
  '#!cue\n',
  '#!starlark\n',
  '- ',
  '  ',
  '&a',
  '*a',
  '<<: ',
  '\t',
  '\u00e9',
  '\uFEFF',
);

describe('the parser never throws anything but DispatchfileError', () => {
  it('on random token soup', () => {
    fc.assert(
      fc.property(
        fc.array(tokens, { maxLength: 60 }).map((t) => t.join('')),
        parsesOrRefuses,
      ),
      { seed, numRuns: NUM_RUNS },
    );
  });

  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parsesOrRefuses), { seed, numRuns: NUM_RUNS });
  });

  it('on mutated valid Dispatchfiles (characters deleted, duplicated, inserted)', () => {
    const mutation = fc.tuple(
      fc.integer({ min: 0, max: samples.length - 1 }),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('delete', 'duplicate', 'insert'),
          fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\n', ' ', '!', '#', '-', 'x'),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    );
    fc.assert(
      fc.property(mutation, ([which, edits]) => {
        let text = samples[which] ?? '';
        for (const [at, op, ch] of edits) {
          const i = at % (text.length + 1);
          if (op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (op === 'duplicate') text = text.slice(0, i) + text.slice(i, i + 20) + text.slice(i);
          else text = text.slice(0, i) + ch + text.slice(i);
        }
        parsesOrRefuses(text);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  });

  it('on deep nesting (no stack overflow)', () => {
    for (const text of [
      'a: '.concat('['.repeat(5000)),
      'a: '.concat('{b: '.repeat(5000)),
      '#!json\n'.concat('['.repeat(5000)),
      '#!yaml\n'.concat('- '.repeat(2000), 'x'),
    ]) {
      parsesOrRefuses(text);
    }
  });
});
