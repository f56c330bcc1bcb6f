import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { renderTemplate } from '../../../src/gitops/render/template.js';

const CORPUS = fileURLToPath(new URL('../../fixtures/templates', import.meta.url));

describe('update-gitops-repo corpus renders to its golden files', async () => {
  const values = JSON.parse(await readFile(path.join(CORPUS, 'values.json'), 'utf8')) as Record<string, string>;
  const templates = (await readdir(CORPUS)).filter((f) => f.endsWith('.tmpl')).sort();

  it('has the kinds of file the corpus promises', () => {
    for (const kind of ['deployment', 'values-production', 'prometheus-rules', 'applicationset', 'application'])
      assert.ok(templates.includes(`${kind}.yaml.tmpl`), `${kind}.yaml.tmpl is missing from the corpus`);
  });

  for (const template of templates) {
    const output = template.slice(0, -'.tmpl'.length);
    it(`${template} → ${output}`, async () => {
      const text = await readFile(path.join(CORPUS, template), 'utf8');
      const golden = await readFile(path.join(CORPUS, `${output}.golden`), 'utf8');
      const rendered = renderTemplate(text, values, template);
      assert.equal(rendered, golden);
      if (output.endsWith('.yaml')) {
        for (const doc of parseAllDocuments(rendered)) assert.deepEqual(doc.errors, [], `${output} parses as YAML`);
      }
    });
  }
});

describe('Go template edge cases', () => {
  const render = (text: string, values: Record<string, string> = {}) => renderTemplate(text, values, 'x.tmpl');
  const fails = (text: string, pattern: RegExp) => assert.throws(() => render(text), pattern);

  it('reads $({-3}) as the number -3, not a trim marker (Go needs a space after the dash)', () => {
    assert.equal(render('a $({-3}) b'), 'a -3 b');
  });
  it('keeps a "})" inside a string literal', () => {
    assert.equal(render('$({ printf "%s" "})" })'), '})');
  });
  it('names the line of each kind of mistake', () => {
    fails('a\n$({ end })', /^PermanentError: x\.tmpl line 2: unexpected \$\(\{ end \}\)/);
    fails('a\n\n$({ .a', /x\.tmpl line 3: unclosed action/);
    fails('$({ break })', /x\.tmpl line 1: .*break.* outside .*range/);
    fails('$({ $x })', /undefined variable: \$x/);
    fails('$({ eq 1 "1" })', /incompatible types for comparison/);
    fails('$({ lt true false })', /invalid type for comparison/);
    fails('$({ index "ab" 5 })', /index out of range: 5/);
    fails('$({ template "nope" })', /no such template "nope"/);
    fails('$({ "a" "b" })', /can't give argument to non-function/);
  });
  it('explains that a key with "-" is reached with index, as in Go', () => {
    fails(
      'a\n$({ .image-name })',
      /x\.tmpl line 2: "image-name" is not a Go field name .*write \$\(\{ index \. "image-name" \}\)/,
    );
    assert.equal(render('$({ index . "image-name" })', { 'image-name': 'v' }), 'v');
  });
  it('refuses a field of a string, as Go does', () => {
    assert.throws(() => render('$({ .a.b })', { a: 'x' }), /can't evaluate field b in type string/);
  });
  it('stops a template that calls itself for ever', () => {
    fails('$({ define "loop" })$({ template "loop" . })$({ end })$({ template "loop" . })', /maximum template depth/);
  });
});

describe('text outside $({ }) is copied byte for byte', () => {
  // Braces, dollars and parentheses are the characters that could be mistaken for template syntax.
  const piece = fc.oneof(
    fc.constantFrom('{{', '}}', '{{ $labels.instance }}', '$(', '${', '$', '{', '}', '(', ')', '})', '\n', '-', ' '),
    fc.string({ maxLength: 8 }),
  );
  const text = fc
    .array(piece, { maxLength: 30 })
    .map((parts) => parts.join(''))
    .filter((t) => !t.includes('$({'));

  it('for any text without the left delimiter, the output is the text', () => {
    fc.assert(
      fc.property(text, (t) => renderTemplate(t, {}, 'x.tmpl') === t),
      { seed: 14, numRuns: 500 },
    );
  });

  it('around an action, only the action is replaced', () => {
    fc.assert(
      fc.property(
        text,
        text,
        (a, b) => renderTemplate(`${a}$({ .tag })${b}`, { tag: 'v1' }, 'x.tmpl') === `${a}v1${b}`,
      ),
      { seed: 14, numRuns: 500 },
    );
  });
});
