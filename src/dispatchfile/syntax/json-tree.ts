import type { Problem } from '../errors.js';
import { MAX_NESTING_DEPTH as MAX_DEPTH } from '../limits.js';
import type { Field, Node, Pos } from './tree.js';

class JsonError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Strict JSON (RFC 8259) into the positioned tree. Hand-written because JSON.parse in Node 20
 * does not always say where the error is, and a Dispatchfile error must point at its line.
 */
export function readJson(body: string): { tree?: Node; problems: Problem[] } {
  const lineStarts = [0];
  for (let i = 0; i < body.length; i += 1) if (body[i] === '\n') lineStarts.push(i + 1);
  const at = (offset: number): Pos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  const reader = new JsonReader(body, at);
  try {
    const tree = reader.document();
    return { tree, problems: [] };
  } catch (err) {
    if (err instanceof JsonError) return { problems: [{ ...at(err.offset), message: `JSON: ${err.message}` }] };
    throw err;
  }
}

class JsonReader {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly at: (offset: number) => Pos,
  ) {}

  document(): Node {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i < this.s.length)
      throw new JsonError(this.i, `unexpected ${this.show()} after the JSON value; a file holds one object`);
    return v;
  }

  private value(): Node {
    const start = this.i;
    const pos = this.at(start);
    const c = this.s[this.i];
    if (c === '{') return this.object(pos);
    if (c === '[') return this.array(pos);
    if (c === '"') return { kind: 'string', value: this.string(), ...pos };
    for (const [word, node] of [
      ['true', { kind: 'bool', value: true }],
      ['false', { kind: 'bool', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return { ...node, ...pos } as Node;
      }
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const num = m.exec(this.s);
    if (num && num[0] !== '' && num[0] !== '-') {
      this.i += num[0].length;
      return { kind: 'number', value: Number(num[0]), text: num[0], ...pos };
    }
    throw new JsonError(this.i, `expected a value, found ${this.show()}`);
  }

  private object(pos: Pos): Node {
    this.enter();
    const fields = new Map<string, Field>();
    this.i += 1;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i += 1;
      this.depth -= 1;
      return { kind: 'struct', fields, ...pos };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"')
        throw new JsonError(this.i, `expected a "quoted" property name, found ${this.show()}`);
      const keyOffset = this.i;
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':')
        throw new JsonError(this.i, `expected \`:\` after the property name, found ${this.show()}`);
      this.i += 1;
      this.ws();
      const value = this.value();
      if (fields.has(key)) throw new JsonError(keyOffset, `property ${JSON.stringify(key)} is given twice; keep one`);
      fields.set(key, { key, keyPos: this.at(keyOffset), value });
      this.ws();
      const c = this.s[this.i];
      this.i += 1;
      if (c === '}') break;
      if (c !== ',')
        throw new JsonError(
          this.i - 1,
          `expected \`,\` or \`}\` after the property value, found ${this.show(this.i - 1)}`,
        );
    }
    this.depth -= 1;
    return { kind: 'struct', fields, ...pos };
  }

  private array(pos: Pos): Node {
    this.enter();
    const items: Node[] = [];
    this.i += 1;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i += 1;
      this.depth -= 1;
      return { kind: 'list', items, ...pos };
    }
    for (;;) {
      this.ws();
      items.push(this.value());
      this.ws();
      const c = this.s[this.i];
      this.i += 1;
      if (c === ']') break;
      if (c !== ',')
        throw new JsonError(
          this.i - 1,
          `expected \`,\` or \`]\` after the array element, found ${this.show(this.i - 1)}`,
        );
    }
    this.depth -= 1;
    return { kind: 'list', items, ...pos };
  }

  private string(): string {
    const start = this.i;
    this.i += 1;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') throw new JsonError(start, 'string not closed; close it with `"`');
      if (c === '"') {
        this.i += 1;
        return out;
      }
      if (c < ' ') throw new JsonError(this.i, 'control character in a string; escape it (\\n, \\t)');
      if (c === '\\') {
        const e = this.s[this.i + 1] ?? '';
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else throw new JsonError(this.i, `unknown escape \`\\${e}\` in a string`);
      } else {
        out += c;
        this.i += 1;
      }
    }
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i += 1;
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH)
      throw new JsonError(this.i, `nesting deeper than ${MAX_DEPTH} levels; a Dispatchfile never needs this`);
  }

  private show(offset = this.i): string {
    const c = this.s[offset];
    if (c === undefined) return 'the end of the file';
    return JSON.stringify(c);
  }
}
