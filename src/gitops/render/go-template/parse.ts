import { GoTemplateError } from './error.js';
import { lex, type Token } from './lex.js';
import type { Command, Node, Operand, Pipeline, Tree } from './nodes.js';

type End = 'end' | 'else' | 'eof';

/** Parses a template into the tree text/template would build, with Go's parse errors. */
export function parse(src: string): Tree {
  return new Parser(lex(src)).parseTemplate();
}

class Parser {
  private pos = 0;
  private readonly defines = new Map<string, Node[]>();
  private rangeDepth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseTemplate(): Tree {
    const { list, end } = this.parseList();
    if (end.kind !== 'eof') throw new GoTemplateError(end.line, `unexpected $({ ${end.kind} })`);
    return { root: list, defines: this.defines };
  }

  private peek(skipSpace = true): Token | undefined {
    let i = this.pos;
    while (skipSpace && this.tokens[i]?.type === 'space') i += 1;
    return this.tokens[i];
  }

  private next(skipSpace = true): Token {
    while (skipSpace && this.tokens[this.pos]?.type === 'space') this.pos += 1;
    const token = this.tokens[this.pos];
    if (token === undefined)
      throw new GoTemplateError(this.tokens[this.pos - 1]?.line ?? 1, 'unexpected end of template');
    this.pos += 1;
    return token;
  }

  private expect(type: Token['type'], context: string): Token {
    const token = this.next();
    if (token.type !== type) throw new GoTemplateError(token.line, `unexpected "${token.value}" in ${context}`);
    return token;
  }

  /** Nodes up to `$({ end })`, `$({ else … })` (left unconsumed after "else") or the end. */
  private parseList(): { list: Node[]; end: { kind: End; line: number } } {
    const list: Node[] = [];
    for (;;) {
      const token = this.tokens[this.pos];
      if (token === undefined) return { list, end: { kind: 'eof', line: this.tokens.at(-1)?.line ?? 1 } };
      this.pos += 1;
      if (token.type === 'text') {
        list.push({ kind: 'text', text: token.value });
        continue;
      }
      const word = this.peek();
      if (word?.type === 'identifier' && (word.value === 'end' || word.value === 'else')) {
        this.next();
        if (word.value === 'end') this.expect('right', 'end');
        return { list, end: { kind: word.value, line: word.line } };
      }
      const node = this.parseAction(token.line);
      if (node !== null) list.push(node);
    }
  }

  private parseAction(line: number): Node | null {
    const word = this.peek();
    if (word?.type === 'identifier') {
      switch (word.value) {
        case 'if':
        case 'with':
        case 'range':
          this.next();
          return this.parseControl(word.value, line);
        case 'break':
        case 'continue':
          this.next();
          if (this.rangeDepth === 0) throw new GoTemplateError(line, `{{${word.value}}} outside {{range}}`);
          this.expect('right', word.value);
          return { kind: word.value, line };
        case 'template':
          this.next();
          return this.parseTemplateCall(line);
        case 'define':
        case 'block':
          this.next();
          return this.parseDefine(word.value, line);
      }
    }
    return { kind: 'action', pipe: this.parsePipeline(line, 'command'), line };
  }

  private parseControl(kind: 'if' | 'with' | 'range', line: number): Node {
    const pipe = this.parsePipeline(line, kind);
    if (kind === 'range') this.rangeDepth += 1;
    const body = this.parseList();
    if (kind === 'range') this.rangeDepth -= 1;
    let elseList: Node[] | null = null;
    if (body.end.kind === 'eof') throw new GoTemplateError(line, `unexpected EOF: ${kind} has no $({ end })`);
    if (body.end.kind === 'else') {
      const chained = this.peek();
      if (kind !== 'range' && chained?.type === 'identifier' && chained.value === kind) {
        // "else if" / "else with": one nested control that shares our "end".
        this.next();
        elseList = [this.parseControl(kind, chained.line)];
      } else {
        this.expect('right', 'else');
        const rest = this.parseList();
        if (rest.end.kind !== 'end') throw new GoTemplateError(line, `expected $({ end }) for ${kind}`);
        elseList = rest.list;
      }
    }
    return { kind, pipe, list: body.list, elseList, line };
  }

  private parseTemplateCall(line: number): Node {
    const name = this.expect('string', 'template clause');
    const after = this.peek();
    const pipe = after?.type === 'right' ? null : this.parsePipeline(line, 'template clause');
    if (pipe === null) this.next();
    return { kind: 'template', name: name.value, pipe, line };
  }

  private parseDefine(kind: 'define' | 'block', line: number): Node | null {
    const name = this.expect('string', `${kind} clause`);
    const pipe = kind === 'block' ? this.parsePipeline(line, 'block clause') : (this.expect('right', 'define'), null);
    const body = this.parseList();
    if (body.end.kind !== 'end') throw new GoTemplateError(line, `unexpected ${body.end.kind} in ${kind}`);
    if (this.defines.has(name.value) && kind === 'define')
      throw new GoTemplateError(line, `template: multiple definition of template "${name.value}"`);
    this.defines.set(name.value, body.list);
    return kind === 'block' ? { kind: 'template', name: name.value, pipe, line } : null;
  }

  /** A pipeline up to the closing delimiter (or `)` when `inParens`). */
  private parsePipeline(line: number, context: string, inParens = false): Pipeline {
    const start = this.pos;
    const decl: string[] = [];
    let isAssign = false;
    const save = this.pos;
    const first = this.peek();
    if (first?.type === 'variable' && (first.names ?? []).length === 0) {
      this.next();
      const after = this.peek();
      if (after?.type === 'declare' || after?.type === 'assign') {
        this.next();
        decl.push(first.value);
        isAssign = after.type === 'assign';
      } else if (after?.type === 'comma' && context === 'range') {
        this.next();
        const second = this.expect('variable', 'range declaration');
        const op = this.next();
        if (op.type !== 'declare' && op.type !== 'assign')
          throw new GoTemplateError(line, 'range can only initialize variables');
        decl.push(first.value, second.value);
        isAssign = op.type === 'assign';
      } else {
        this.pos = save;
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const cmd = this.parseCommand(line);
      cmds.push(cmd);
      const t = this.next();
      if (t.type === 'pipe') continue;
      if (inParens ? t.type === 'rparen' : t.type === 'right') {
        if (inParens) this.pos -= 1;
        break;
      }
      throw new GoTemplateError(t.line, `unexpected "${t.value}" in ${context}`);
    }
    if (cmds.length === 0 || cmds.some((c) => c.args.length === 0))
      throw new GoTemplateError(line, `missing value for ${context}`);
    const source = this.tokens
      .slice(start, this.pos - (inParens ? 0 : 1))
      .map((t) =>
        t.type === 'string'
          ? JSON.stringify(t.value)
          : t.value + (t.names && t.type !== 'field' ? t.names.map((n) => `.${n}`).join('') : ''),
      )
      .join('')
      .trim();
    return { decl, isAssign, cmds, line, source };
  }

  private parseCommand(line: number): Command {
    const args: Operand[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.type === 'right' || t.type === 'pipe' || t.type === 'rparen') break;
      // Operands must be separated by spaces, as in Go: ".a.b" is one, ".a .b" two.
      if (args.length > 0 && this.tokens[this.pos]?.type !== 'space')
        throw new GoTemplateError(t.line, `missing space before "${t.value}"`);
      args.push(this.parseOperand());
    }
    return { args, line };
  }

  private parseOperand(): Operand {
    const t = this.next();
    switch (t.type) {
      case 'dot':
        return { kind: 'dot' };
      case 'field':
        return { kind: 'field', names: t.names ?? [] };
      case 'variable':
        return { kind: 'variable', name: t.value, names: t.names ?? [] };
      case 'string':
        return { kind: 'string', value: t.value };
      case 'char':
        return { kind: 'number', value: BigInt(t.value.codePointAt(0) ?? 0) };
      case 'number':
        return { kind: 'number', value: parseNumber(t.value, t.line) };
      case 'lparen': {
        const pipe = this.parsePipeline(t.line, 'parenthesized pipeline', true);
        const close = this.expect('rparen', 'parenthesized pipeline');
        return { kind: 'pipe', pipe, names: close.names ?? [] };
      }
      case 'identifier':
        if (t.value === 'true' || t.value === 'false') return { kind: 'bool', value: t.value === 'true' };
        if (t.value === 'nil') return { kind: 'nil' };
        return { kind: 'identifier', name: t.value };
      default:
        throw new GoTemplateError(t.line, `unexpected "${t.value}" in operand`);
    }
  }
}

/** An untyped Go constant: an integer becomes int (bigint), anything with a point or exponent float64. */
function parseNumber(text: string, line: number): bigint | number {
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1n : 1n;
  const digits = clean.replace(/^[+-]/, '');
  if (/^0[xXbBoO]/.test(digits)) return sign * BigInt(digits.replace(/^0[oO]/, '0o'));
  if (/^[0-9]+$/.test(digits)) {
    // A leading 0 means octal in Go.
    return sign * (digits.length > 1 && digits.startsWith('0') ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits));
  }
  const value = Number(clean);
  if (Number.isNaN(value)) throw new GoTemplateError(line, `bad number syntax: "${text}"`);
  return value;
}
