import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Handlebars from 'handlebars';
import { PermanentError } from '../../../src/core/errors.js';
import { scratchTree, type Scratch } from './scratch.js';

function permanent(pattern: RegExp, code?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof PermanentError, `expected PermanentError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  };
}

describe('template rendering', () => {
  let t: Scratch;
  before(async () => {
    t = await scratchTree();
  });
  after(() => t.cleanup());

  it('fills both placeholder styles, with or without spaces', async () => {
    const out = await t.render('a.txt', 'x=$({ .x }) y=$({.y}) z=$({   .z   }) w={{w}} v={{ v }}\n', {
      x: '1',
      y: '2',
      z: '3',
      w: '4',
      v: '5',
    });
    assert.equal(out, 'x=1 y=2 z=3 w=4 v=5\n');
  });

  it('names file, line and key for a missing Handlebars value', async () => {
    await assert.rejects(
      t.render('apps/app.yaml', 'a: 1\nb: 2\nimage: {{imageName}}\n', { other: 'x' }),
      permanent(
        /^apps\/app\.yaml\.tmpl line 3: no value for "imageName"; pass -substitute=imageName=<value>.*values given: other/,
        'template_value_missing',
      ),
    );
  });

  it('names file, line and key for a missing $({ .name }) value', async () => {
    await assert.rejects(
      t.render('b.yaml', 'a: 1\n\n\n  image: $({ .imageName })\n'),
      permanent(/^b\.yaml\.tmpl line 4: no value for "imageName".*values given: none/, 'template_value_missing'),
    );
  });

  it('fails a missing value inside a block too', async () => {
    await assert.rejects(
      t.render('c.txt', '{{#if a}}\n{{b}}{{/if}}', { a: 'yes' }),
      permanent(/c\.txt\.tmpl line 2: no value for "b"/),
    );
  });

  it('lets {{#if name}} make a value optional', async () => {
    assert.equal(await t.render('c2.txt', '{{#if debug}}debug: {{debug}}{{else}}quiet{{/if}}', {}), 'quiet');
  });

  it('never HTML-escapes', async () => {
    const value = `&<>"'\`=`;
    assert.equal(await t.render('d.txt', '{{v}} $({ .v }) {{{v}}}', { v: value }), `${value} ${value} ${value}`);
  });

  for (const expr of [
    '{{constructor}}',
    '{{__proto__}}',
    '{{constructor.name}}',
    '{{this.constructor}}',
    '{{hasOwnProperty}}',
    '{{toString}}',
    '$({ .constructor })',
  ]) {
    it(`refuses prototype access: ${expr}`, async () => {
      await assert.rejects(
        t.render('e.txt', `x ${expr}`, { a: 'b' }),
        permanent(/e\.txt\.tmpl line 1: no value for "(constructor|__proto__|hasOwnProperty|toString|name)"/),
      );
    });
  }

  it('gives nothing from a prototype through lookup', async () => {
    assert.equal(
      await t.render('f.txt', '[{{lookup this "constructor"}}][{{lookup this "__proto__"}}]', { a: 'b' }),
      '[][]',
    );
  });

  it('writes \\{{ as a literal {{', async () => {
    assert.equal(
      await t.render('g.txt', 'helm: \\{{ .Values.image }} ours: {{v}}', { v: 'x' }),
      'helm: {{ .Values.image }} ours: x',
    );
  });

  it('never expands placeholders inside a substituted value', async () => {
    assert.equal(
      await t.render('h.txt', '{{a}} $({ .b })', { a: '{{b}}', b: '$({ .a }) {{a}}' }),
      '{{b}} $({ .a }) {{a}}',
    );
  });

  it('refuses Go template expressions other than a value lookup, naming the line', async () => {
    await assert.rejects(
      t.render('i.txt', 'ok\n$({ .a | printf "%q" })', { a: 'x' }),
      permanent(/i\.txt\.tmpl line 2: unsupported placeholder \$\(\{ \.a \| printf "%q" \}\)/, 'template_invalid'),
    );
  });

  it('names the file on a Handlebars syntax error', async () => {
    await assert.rejects(
      t.render('j.txt', 'a\n{{#if}}', {}),
      permanent(/^j\.txt\.tmpl: cannot render: Parse error on line 2/, 'template_invalid'),
    );
  });

  it('uses a fresh Handlebars environment: a globally registered helper is not reachable', async () => {
    Handlebars.registerHelper('leak', () => 'LEAKED');
    try {
      await assert.rejects(t.render('k.txt', '{{leak}}', {}), permanent(/no value for "leak"/));
    } finally {
      Handlebars.unregisterHelper('leak');
    }
  });

  it('refuses rendered YAML that does not parse, in any document', async () => {
    await assert.rejects(
      t.render('l.yaml', 'a: 1\n---\nimage: {{v}}\n', { v: 'x: y: z' }),
      permanent(/^l\.yaml \(rendered from l\.yaml\.tmpl\) is not valid YAML: .*line 4/, 'rendered_invalid'),
    );
  });

  it('refuses rendered JSON that does not parse', async () => {
    await assert.rejects(
      t.render('m.json', '{"note": "{{v}}"}', { v: 'say "hi"' }),
      permanent(/^m\.json \(rendered from m\.json\.tmpl\) is not valid JSON/),
    );
  });
});

describe('generated-file header', () => {
  let t: Scratch;
  before(async () => {
    t = await scratchTree();
  });
  after(() => t.cleanup());
  const header = (tmpl: string): string => `# Generated by dispatchd from ${tmpl}. Do not edit: edit ${tmpl}.\n`;

  for (const name of ['n.yaml', 'n.yml', 'n.toml', 'n.conf', 'Dockerfile', '.env']) {
    it(`is prepended to ${name}`, async () => {
      assert.equal(await t.render(`hdr/${name}`, 'a: 1\n'), `${header(`hdr/${name}.tmpl`)}a: 1\n`);
    });
  }
  it('goes after a #! line, which must stay first', async () => {
    assert.equal(
      await t.render('hdr/run.sh', '#!/bin/sh\necho hi\n'),
      `#!/bin/sh\n${header('hdr/run.sh.tmpl')}echo hi\n`,
    );
  });
  it('is added to any file whose first line is a # comment', async () => {
    assert.equal(await t.render('hdr/notes.txt', '# notes\nx\n'), `${header('hdr/notes.txt.tmpl')}# notes\nx\n`);
  });
  for (const name of ['n.json', 'n.txt', 'n.md']) {
    it(`is left out of ${name}`, async () => {
      assert.equal(await t.render(`hdr/${name}`, '{"a": 1}\n'), '{"a": 1}\n');
    });
  }
});
