import type { Problem } from '../errors.js';
import { MAX_NESTING_DEPTH as MAX_DEPTH } from '../limits.js';
import { CueSyntaxError, lex, type Token } from './cue-lexer.js';
import { describeUnsupported } from './cue-unsupported.js';
import { mergeField } from './merge.js';
import type { Node, Pos, StructNode } from './tree.js';

const KEYWORDS = ['package', 'import', 'let', 'if', 'for'];

/**
 * The CUE subset Dispatch files use: `//` comments, bare and quoted labels, label chains
 * (`on push branches: […]`, `a: b: c`), repeated labels merging, lists, strings (also `"""`),
 * numbers, booleans, null, optional commas. Any other construct is an error naming it.
 */
export function readCue(body: string): { tree?: Node; problems: Problem[] } {
  try {
    return { tree: new Parser(lex(body)).file(), problems: [] };
  } catch (err) {
    if (err instanceof CueSyntaxError) return { problems: [{ line: err.line, col: err.col, message: err.message }] };
    throw err;
  }
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  file(): StructNode {
    this.skipSeparators();
    const first = this.peek();
    if (first.kind === '{') {
      // A JSON document is CUE too: one struct literal at the top.
      const node = this.value();
      this.skipSeparators();
      if (this.peek().kind !== 'eof') this.expectEnd(this.peek(), 'the end of the file');
      if (node.kind !== 'struct') return this.fail(first, 'a Dispatchfile must be a struct');
      return node;
    }
    const root: StructNode = { kind: 'struct', fields: new Map(), line: 1, col: 1 };
    // The file's top level is a struct too: depth 1, as the outer `{` of a JSON document.
    this.depth = 1;
    this.fields(root, 'eof');
    return root;
  }

  private fields(into: StructNode, end: 'eof' | '}'): void {
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === end) return;
      if (t.kind === 'eof') this.fail(t, `the file ends early: the \`{\` at ${into.line}:${into.col} is not closed`);
      if (t.kind === 'op' && t.text === '...') {
        // An open struct adds no field.
        this.next();
        continue;
      }
      this.field(into);
      const after = this.peek();
      if (after.kind === 'newline' || after.kind === ',') continue;
      if (after.kind === end) return;
      this.expectEnd(
        after,
        end === 'eof' ? 'a newline or `,` after the field' : 'a newline, `,` or `}` after the field',
      );
    }
  }

  private field(into: StructNode): void {
    const labels: { key: string; pos: Pos }[] = [];
    for (;;) {
      // Each label after the first nests a struct (`a: b: c: 1` is `a: {b: {c: 1}}`).
      if (labels.length > 0 && this.depth + labels.length > MAX_DEPTH)
        this.fail(this.peek(), `nesting deeper than ${MAX_DEPTH} levels; a Dispatchfile never needs this`);
      labels.push(this.label());
      const t = this.peek();
      if (t.kind === 'ident' || t.kind === 'string') continue;
      if (t.kind === ':') {
        this.next();
        if (this.labelChainFollows()) continue;
        break;
      }
      if (t.kind === 'op' && (t.text === '?' || t.text === '!'))
        this.fail(t, describeUnsupported(t.text === '?' ? 'optional' : 'required'));
      if (t.kind === 'op' && (t.text === '::' || t.text === '=')) this.fail(t, describeUnsupported(t.text));
      this.fail(
        t,
        `expected \`:\` after the label ${JSON.stringify(labels[labels.length - 1]?.key)}, found ${show(t)}`,
      );
    }
    this.depth += labels.length - 1;
    let value = this.value();
    this.depth -= labels.length - 1;
    for (let k = labels.length - 1; k >= 1; k -= 1) {
      const l = labels[k] as { key: string; pos: Pos };
      const wrapper: StructNode = { kind: 'struct', fields: new Map(), ...(labels[k - 1] as { pos: Pos }).pos };
      wrapper.fields.set(l.key, { key: l.key, keyPos: l.pos, value });
      value = wrapper;
    }
    const head = labels[0] as { key: string; pos: Pos };
    mergeField(into, { key: head.key, keyPos: head.pos, value });
  }

  /** After `:`, is it `label… :` (a chain such as `on: git: push: {…}`) or a value? */
  private labelChainFollows(): boolean {
    let k = this.i;
    while (this.tokens[k]?.kind === 'ident' || this.tokens[k]?.kind === 'string') k += 1;
    return k > this.i && this.tokens[k]?.kind === ':';
  }

  private label(): { key: string; pos: Pos } {
    const t = this.next();
    const pos = { line: t.line, col: t.col };
    if (t.kind === 'string') {
      if (t.text.startsWith('"""')) this.fail(t, 'a multi-line string cannot be a label');
      return { key: t.value ?? '', pos };
    }
    if (t.kind === 'ident') {
      if (t.text.startsWith('#')) this.fail(t, describeUnsupported('definition', t.text));
      if (t.text.startsWith('_')) this.fail(t, describeUnsupported('hidden', t.text));
      if (KEYWORDS.includes(t.text) && this.peek().kind !== ':') this.fail(t, describeUnsupported(t.text));
      return { key: t.text, pos };
    }
    if (t.kind === 'op' && t.text === '(') this.fail(t, describeUnsupported('dynamic'));
    if (t.kind === '[') this.fail(t, describeUnsupported('pattern'));
    if (t.kind === 'op') this.fail(t, describeUnsupported(t.text));
    return this.fail(t, `expected a field label (a name or a "quoted name"), found ${show(t)}`);
  }

  private value(): Node {
    const t = this.next();
    const pos = { line: t.line, col: t.col };
    let node: Node;
    if (t.kind === 'string') node = { kind: 'string', value: t.value ?? '', ...pos };
    else if (t.kind === 'number') node = this.number(t);
    else if (t.kind === 'ident') node = this.identValue(t);
    else if (t.kind === '{') {
      this.enter(t);
      const struct: StructNode = { kind: 'struct', fields: new Map(), ...pos };
      this.fields(struct, '}');
      this.next();
      this.depth -= 1;
      node = struct;
    } else if (t.kind === '[') {
      if (
        this.peek().kind === 'ident' &&
        this.tokens[this.i + 1]?.kind === ']' &&
        this.tokens[this.i + 2]?.kind === ':'
      ) {
        this.fail(t, describeUnsupported('pattern'));
      }
      node = this.list(t);
    } else if (t.kind === 'op') return this.fail(t, describeUnsupported(t.text));
    else return this.fail(t, `expected a value (a string, number, boolean, list or struct), found ${show(t)}`);
    const after = this.peek();
    if (after.kind === 'op' && after.text !== '...') this.fail(after, describeUnsupported(after.text, undefined, true));
    if (after.kind === '[') this.fail(after, describeUnsupported('index'));
    return node;
  }

  private list(open: Token): Node {
    this.enter(open);
    const items: Node[] = [];
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === ']') break;
      if (t.kind === 'eof') this.fail(t, `the file ends early: the \`[\` at ${open.line}:${open.col} is not closed`);
      if (t.kind === 'op' && t.text === '...') {
        // An open list (`[a, ...]`) adds no element; only the final position is allowed.
        this.next();
        this.skipSeparators();
        const close = this.peek();
        if (close.kind !== ']') this.fail(t, describeUnsupported('typed-ellipsis'));
        break;
      }
      if (t.kind === 'ident' && (t.text === 'for' || t.text === 'if' || t.text === 'let'))
        this.fail(t, describeUnsupported(t.text));
      if ((t.kind === 'ident' || t.kind === 'string') && this.tokens[this.i + 1]?.kind === ':') {
        this.fail(
          t,
          `a list element cannot be a field (\`${t.kind === 'string' ? (t.value ?? '') : t.text}: …\`); wrap the fields of each element in { }`,
        );
      }
      items.push(this.value());
      const after = this.peek();
      if (after.kind === ',' || after.kind === 'newline') continue;
      if (after.kind === ']') break;
      this.fail(after, `expected \`,\` or \`]\` in the list opened at ${open.line}:${open.col}, found ${show(after)}`);
    }
    this.next();
    this.depth -= 1;
    return { kind: 'list', items, line: open.line, col: open.col };
  }

  private number(t: Token): Node {
    const text = t.text.replace(/_/g, '');
    const negative = text.startsWith('-');
    const value = Number(negative ? text.slice(1) : text) * (negative ? -1 : 1);
    if (!Number.isFinite(value))
      this.fail(
        t,
        `the number ${t.text} uses a form outside the subset (SI suffixes such as Ki); write a plain number or a string`,
      );
    return { kind: 'number', value, text: t.text, line: t.line, col: t.col };
  }

  private identValue(t: Token): Node {
    const pos = { line: t.line, col: t.col };
    if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', ...pos };
    if (t.text === 'null') return { kind: 'null', ...pos };
    if (t.text.startsWith('#')) return this.fail(t, describeUnsupported('definition', t.text));
    if (['string', 'int', 'number', 'bool', 'float', 'bytes', 'uint'].includes(t.text))
      return this.fail(t, describeUnsupported('type', t.text));
    if (KEYWORDS.includes(t.text)) return this.fail(t, describeUnsupported(t.text));
    if (this.peek().kind === 'op' && this.peek().text === '.') return this.fail(t, describeUnsupported('.'));
    return this.fail(t, describeUnsupported('reference', t.text));
  }

  private enter(t: Token): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH)
      this.fail(t, `nesting deeper than ${MAX_DEPTH} levels; a Dispatchfile never needs this`);
  }

  private skipSeparators(): void {
    while (this.peek().kind === 'newline' || this.peek().kind === ',') this.i += 1;
  }

  private expectEnd(t: Token, what: string): never {
    if (t.kind === 'op') this.fail(t, describeUnsupported(t.text, undefined, true));
    if (t.kind === '}') this.fail(t, 'unexpected `}` with no `{` open');
    if (t.kind === ']') this.fail(t, 'unexpected `]` with no `[` open');
    if (t.kind === 'eof') this.fail(t, `the file ends early: expected ${what} (a \`{\` or \`[\` is not closed)`);
    return this.fail(t, `expected ${what}, found ${show(t)}`);
  }

  private peek(): Token {
    return this.tokens[this.i] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i += 1;
    return t;
  }

  private fail(t: Token, message: string): never {
    const ended = t.kind === 'eof' && !message.startsWith('the file ends early');
    throw new CueSyntaxError(t.line, t.col, ended ? `the file ends early: ${message}` : message);
  }
}

function show(t: Token): string {
  if (t.kind === 'eof') return 'the end of the file';
  if (t.kind === 'newline') return 'the end of the line';
  if (t.kind === 'string') return `the string ${t.text.length > 40 ? `${t.text.slice(0, 37)}…"` : t.text}`;
  return `\`${t.text}\``;
}
