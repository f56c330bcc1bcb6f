import { PermanentError } from '../core/errors.js';

/**
 * dispatchd's own glob matcher. A pattern compiles to a small NFA (Thompson's construction) and
 * a name is matched by simulating every state at once, so a match costs at most
 * O(states × name length) steps whatever the pattern: no backtracking, no RegExp. The pusher
 * writes both the globs (in the Dispatchfile) and the names (branches, paths), so this bound is
 * what keeps `*a*a*a*a*a*a*a*a*a*a*b` against a long branch cheap.
 *
 * Syntax (docs/dispatchfile.md, "Glob syntax"):
 * - `*` any run of characters within one `/`-separated segment (possibly empty);
 * - `**` standing alone as a segment (between `/`, the ends of the pattern or brace
 *   delimiters): any number of whole segments, none included (`a/**` matches `a`, and `**`
 *   followed by `/b` matches `b`); elsewhere (`a**`, `***`) it is `*`;
 * - `?` one character other than `/`;
 * - `[abc]`, `[a-z]`, `[!a]` / `[^a]` (negated), POSIX `[[:alpha:]]`; a class never matches `/`;
 *   `]` first in a class is literal; an unclosed `[` is literal;
 * - `{a,b}` alternatives (nested, may hold `/` and wildcards), `{1..5}` and `{a..e}` ranges
 *   (at most MAX_BRACE_RANGE items); `{a}` without a comma is literal;
 * - extglobs `@(a|b)`, `?(a|b)`, `+(a|b)`, `*(a|b)`; `!(…)` is refused;
 * - `\x` is a literal x; leading `./` is ignored; every other character is literal;
 * - dot-names match like any other name (`*` matches `.github`), but `*` and `**` never match
 *   a `.` or `..` segment; the empty name matches nothing.
 */

/** Longest glob accepted, in characters: an NFA has about one state per character. */
export const MAX_GLOB_LENGTH = 1024;
/** Most items one brace range (`{1..20}`) may produce. */
export const MAX_BRACE_RANGE = 256;
/** Deepest nesting of braces and extglob parentheses. */
export const MAX_GLOB_NESTING = 32;

/** A glob that cannot be compiled; permanent, as retrying the same text cannot fix it. */
export class GlobSyntaxError extends PermanentError {
  constructor(
    readonly glob: string,
    readonly reason: string,
  ) {
    super('glob_invalid', `invalid glob ${JSON.stringify(glob)}: ${reason}`);
  }
}

export interface GlobOptions {
  /**
   * A leading `!` negates the whole pattern (an odd number of them does), as picomatch did by
   * default. Off for Dispatchfile lists, where compileGlobs gives `!` its list meaning.
   */
  negate?: boolean;
}

export interface GlobRun {
  matched: boolean;
  /** NFA states visited: at most (states + 1) × (name length + 1) × 2. */
  steps: number;
  /**
   * Set when the run gave up past its `maxSteps` (after at most one more character's work,
   * about 3 × states steps); `matched` then means nothing.
   */
  stopped?: true;
}

export interface Glob {
  readonly pattern: string;
  /** NFA states: the cost of a match is at most proportional to states × name length. */
  readonly states: number;
  test(name: string): boolean;
  /**
   * test, with the work it took. With maxSteps, the run stops soon after spending more than that
   * (see GlobRun.stopped), so a caller with a budget never pays for a whole costly match.
   */
  run(name: string, maxSteps?: number): GlobRun;
}

// ---------------------------------------------------------------------------------------------
// Parsing: code points → a token tree.

type ClassItem = { lo: number; hi: number } | { posix: (c: number) => boolean };

type Token =
  | { t: 'lit'; c: number }
  | { t: 'slash' }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'globstar' }
  | { t: 'class'; negated: boolean; items: ClassItem[] }
  | { t: 'alt'; alts: Token[][] }
  | { t: 'ext'; op: '@' | '?' | '+' | '*'; alts: Token[][] }
  // Rewritten forms of a globstar with its slashes (see rewriteGlobstars).
  | { t: 'gs-all' }
  | { t: 'gs-tail' }
  | { t: 'gs-prefix' };

const SLASH = 0x2f;
const DOT = 0x2e;
const cp = (s: string): number => s.codePointAt(0) as number;
const BACKSLASH = cp('\\');

const POSIX: Record<string, (c: number) => boolean> = {
  alnum: (c) => /[A-Za-z0-9]/.test(String.fromCodePoint(c)),
  alpha: (c) => /[A-Za-z]/.test(String.fromCodePoint(c)),
  ascii: (c) => c < 0x80,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: (c) => c >= 0x30 && c <= 0x39,
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => /[!-/:-@[-`{-~]/.test(String.fromCodePoint(c)),
  space: (c) => /\s/.test(String.fromCodePoint(c)),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  word: (c) => /\w/.test(String.fromCodePoint(c)),
  xdigit: (c) => /[0-9A-Fa-f]/.test(String.fromCodePoint(c)),
};
const POSIX_NAMES = Object.keys(POSIX);

/** `[:name:]` at k inside a class: its length, or 0. */
function posixAt(p: readonly number[], k: number): number {
  if (p[k] !== cp('[') || p[k + 1] !== cp(':')) return 0;
  for (const name of POSIX_NAMES) {
    const unit = `[:${name}:]`;
    let ok = true;
    for (let j = 0; j < unit.length && ok; j += 1) ok = p[k + j] === unit.charCodeAt(j);
    if (ok) return unit.length;
  }
  return 0;
}

class Parser {
  /** For each `[` that opens a class: the index of its closing `]`. */
  private readonly classEnd = new Map<number, number>();
  /** For each `{` or `(` with a partner: the index of its partner. */
  private readonly partner = new Map<number, number>();

  constructor(
    private readonly glob: string,
    private readonly p: readonly number[],
  ) {
    this.pair();
  }

  private fail(reason: string): never {
    throw new GlobSyntaxError(this.glob, reason);
  }

  /**
   * One linear pass that decides which `[` open classes and which `{ }`/`( )` pair up, so the
   * parser never scans ahead and retries (which would be quadratic on `[[[[…` or `{{{{…`).
   */
  private pair(): void {
    const p = this.p;
    const n = p.length;
    // closeFrom[k]: scanning a class body from k, the index of the `]` that ends it, or -1.
    const closeFrom = new Int32Array(n + 2).fill(-1);
    for (let k = n - 1; k >= 0; k -= 1) {
      const c = p[k];
      if (c === cp(']')) closeFrom[k] = k;
      else if (c === BACKSLASH) closeFrom[k] = k + 2 <= n ? (closeFrom[k + 2] ?? -1) : -1;
      else {
        const unit = posixAt(p, k);
        closeFrom[k] = closeFrom[k + (unit > 0 ? unit : 1)] ?? -1;
      }
    }
    const stack: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const c = p[i];
      if (c === BACKSLASH) {
        i += 1;
      } else if (c === cp('[')) {
        let body = i + 1;
        if (p[body] === cp('!') || p[body] === cp('^')) body += 1;
        if (p[body] === cp(']')) body += 1;
        const end = body < n ? (closeFrom[body] ?? -1) : -1;
        if (end >= 0) {
          this.classEnd.set(i, end);
          i = end;
        }
      } else if (c === cp('{') || c === cp('(')) {
        stack.push(i);
      } else if (c === cp('}') || c === cp(')')) {
        const open = stack[stack.length - 1];
        if (open !== undefined && p[open] === (c === cp('}') ? cp('{') : cp('('))) {
          stack.pop();
          this.partner.set(open, i);
          this.partner.set(i, open);
        }
      }
    }
  }

  /** The alternatives of p[from, to), split on `delimiter` (`,` in braces, `|` in extglobs, -1 at the top). */
  parseGroup(from: number, to: number, delimiter: number, depth: number): Token[][] {
    if (depth > MAX_GLOB_NESTING) this.fail(`braces or parentheses nested deeper than ${MAX_GLOB_NESTING} levels`);
    const alts: Token[][] = [];
    let current: Token[] = [];
    let i = from;
    while (i < to) {
      const c = this.p[i] as number;
      if (c === delimiter) {
        alts.push(current);
        current = [];
        i += 1;
        continue;
      }
      i = this.parseOne(i, to, current, depth, delimiter);
    }
    alts.push(current);
    return alts;
  }

  /** Parses one construct at i into out; returns the index after it. */
  private parseOne(i: number, to: number, out: Token[], depth: number, delimiter: number): number {
    const p = this.p;
    const c = p[i] as number;
    if (c === BACKSLASH) {
      out.push({ t: 'lit', c: i + 1 < to ? (p[i + 1] as number) : BACKSLASH });
      return Math.min(i + 2, to);
    }
    if (c === SLASH) {
      out.push({ t: 'slash' });
      return i + 1;
    }
    const next = p[i + 1];
    const ext = next === cp('(') && this.partner.has(i + 1) && (this.partner.get(i + 1) as number) < to;
    if (ext && (c === cp('@') || c === cp('?') || c === cp('+') || c === cp('*'))) {
      const close = this.partner.get(i + 1) as number;
      out.push({
        t: 'ext',
        op: String.fromCodePoint(c) as '@' | '?' | '+' | '*',
        alts: this.parseGroup(i + 2, close, cp('|'), depth + 1),
      });
      return close + 1;
    }
    if (ext && c === cp('!')) {
      this.fail('`!(…)` extglobs are not supported; exclude with a separate `!` glob in the list');
    }
    if (c === cp('*')) {
      let end = i;
      while (end < to && p[end] === cp('*')) end += 1;
      // A run followed by `(…)` leaves its last star to the extglob `*(…)`.
      if (p[end] === cp('(') && this.partner.has(end) && (this.partner.get(end) as number) < to) end -= 1;
      const run = end - i;
      if (run === 2 && this.segmentEdgeBefore(i, delimiter) && this.segmentEdgeAfter(end, to, delimiter))
        out.push({ t: 'globstar' });
      else out.push({ t: 'star' });
      return end;
    }
    if (c === cp('?')) {
      out.push({ t: 'any' });
      return i + 1;
    }
    if (c === cp('[') && this.classEnd.has(i)) return this.parseClass(i, this.classEnd.get(i) as number, out);
    if (c === cp('{') && this.partner.has(i) && (this.partner.get(i) as number) < to) {
      const close = this.partner.get(i) as number;
      const range = this.range(i + 1, close);
      if (range) {
        out.push({ t: 'alt', alts: range.map((s) => Array.from(s, (ch) => ({ t: 'lit', c: cp(ch) }) as Token)) });
        return close + 1;
      }
      const alts = this.parseGroup(i + 1, close, cp(','), depth + 1);
      if (alts.length > 1) {
        out.push({ t: 'alt', alts });
        return close + 1;
      }
      // `{a}`: no comma, so the braces are literal characters and their content a glob.
      out.push({ t: 'lit', c });
      out.push(...(alts[0] ?? []));
      out.push({ t: 'lit', c: cp('}') });
      return close + 1;
    }
    out.push({ t: 'lit', c });
    return i + 1;
  }

  private segmentEdgeBefore(i: number, delimiter: number): boolean {
    if (i === 0) return true;
    const prev = this.p[i - 1];
    if (i >= 2 && this.p[i - 2] === BACKSLASH) return false;
    if (prev === SLASH) return true;
    // A brace delimiter: the `{` that opens the enclosing group, or a `,` inside it.
    return delimiter === cp(',') && ((prev === cp('{') && this.partner.has(i - 1)) || prev === cp(','));
  }

  private segmentEdgeAfter(end: number, to: number, delimiter: number): boolean {
    if (end >= this.p.length) return true;
    const next = this.p[end];
    if (next === SLASH) return true;
    return delimiter === cp(',') && ((end === to && next === cp('}')) || (end < to && next === cp(',')));
  }

  private parseClass(open: number, close: number, out: Token[]): number {
    const p = this.p;
    let k = open + 1;
    let negated = false;
    if (p[k] === cp('!') || p[k] === cp('^')) {
      negated = true;
      k += 1;
    }
    const items: ClassItem[] = [];
    // pair() found `close`: the only `]` before it is a literal one first in the class.
    while (k < close) {
      const unit = posixAt(p, k);
      if (unit > 0) {
        const name = String.fromCodePoint(...p.slice(k + 2, k + unit - 2));
        items.push({ posix: POSIX[name] as (c: number) => boolean });
        k += unit;
        continue;
      }
      let lo = p[k] as number;
      if (lo === BACKSLASH && k + 1 < close) {
        k += 1;
        lo = p[k] as number;
      }
      k += 1;
      // `a-z`; a `-` first or last is literal.
      if (p[k] === cp('-') && k + 1 < close) {
        let hi = p[k + 1] as number;
        let step = 2;
        if (hi === BACKSLASH && k + 2 < close) {
          hi = p[k + 2] as number;
          step = 3;
        }
        if (hi < lo)
          this.fail(
            `the class range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)} is reversed; write ${String.fromCodePoint(hi)}-${String.fromCodePoint(lo)}`,
          );
        items.push({ lo, hi });
        k += step;
      } else items.push({ lo, hi: lo });
    }
    out.push({ t: 'class', negated, items });
    return close + 1;
  }

  /** `{1..5}`, `{05..10}`, `{a..e}`: the items, or undefined when the braces hold no range. */
  private range(from: number, to: number): string[] | undefined {
    const text = String.fromCodePoint(...this.p.slice(from, to));
    const num = /^(-?\d{1,6})\.\.(-?\d{1,6})$/.exec(text);
    const chr = /^([A-Za-z])\.\.([A-Za-z])$/.exec(text);
    let items: string[] = [];
    if (num?.[1] !== undefined && num[2] !== undefined) {
      const a = Number(num[1]);
      const b = Number(num[2]);
      if (Math.abs(b - a) + 1 > MAX_BRACE_RANGE)
        this.fail(
          `the brace range {${text}} has more than ${MAX_BRACE_RANGE} items; use a class such as [0-9] or a wildcard`,
        );
      const padded = /^-?0\d/.test(num[1]) || /^-?0\d/.test(num[2]);
      const width = Math.max(num[1].replace('-', '').length, num[2].replace('-', '').length);
      const stepBy = a <= b ? 1 : -1;
      for (let v = a; stepBy > 0 ? v <= b : v >= b; v += stepBy) {
        const digits = String(Math.abs(v));
        items.push(`${v < 0 ? '-' : ''}${padded ? digits.padStart(width, '0') : digits}`);
      }
    } else if (chr?.[1] !== undefined && chr[2] !== undefined) {
      const a = cp(chr[1]);
      const b = cp(chr[2]);
      for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? 1 : -1) items.push(String.fromCodePoint(v));
    } else return undefined;
    if (items.length === 0) items = [''];
    return items;
  }
}

/**
 * Turns `/ **` `/ ** /` and `** /` into the forms that keep "zero segments" exact; `** / **` is
 * one `**`.
 */
function rewriteGlobstars(tokens: Token[]): Token[] {
  const seq: Token[] = [];
  for (const tok of tokens) {
    const n = seq.length;
    if (tok.t === 'globstar' && seq[n - 1]?.t === 'slash' && seq[n - 2]?.t === 'globstar') seq.pop();
    else seq.push(tok);
  }
  const out: Token[] = [];
  for (let i = 0; i < seq.length; i += 1) {
    const tok = seq[i] as Token;
    const next = seq[i + 1];
    if (tok.t === 'slash' && next?.t === 'globstar') {
      if (i + 2 >= seq.length) {
        out.push({ t: 'gs-tail' });
        i += 1;
      } else if (seq[i + 2]?.t === 'slash') {
        out.push({ t: 'slash' }, { t: 'gs-prefix' });
        i += 2;
      } else out.push(tok);
    } else if (tok.t === 'globstar') {
      if (next?.t === 'slash') {
        out.push({ t: 'gs-prefix' });
        i += 1;
      } else out.push({ t: 'gs-all' });
    } else if (tok.t === 'alt' || tok.t === 'ext') {
      out.push({ ...tok, alts: tok.alts.map(rewriteGlobstars) });
    } else out.push(tok);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The NFA.

const Kind = {
  Match: 0,
  Char: 1,
  /** One character other than `/`. */
  Any: 2,
  Class: 3,
  /** One character of a `*`: not `/`, not in a `.` or `..` segment. */
  StarChar: 4,
  /** One character of a `**`: anything but a character of a `.` or `..` segment. */
  AllChar: 5,
  Split: 6,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface State {
  kind: Kind;
  c: number;
  cls?: Extract<Token, { t: 'class' }>;
  out: number;
  outs: number[];
}

class Builder {
  readonly states: State[] = [{ kind: Kind.Match, c: 0, out: -1, outs: [] }];

  private add(kind: Kind, out: number, c = 0): number {
    this.states.push({ kind, c, out, outs: [] });
    return this.states.length - 1;
  }

  private split(outs: number[]): number {
    this.states.push({ kind: Kind.Split, c: 0, out: -1, outs });
    return this.states.length - 1;
  }

  /** Compiles seq so that it continues to `next`; returns its start state. */
  seq(seq: Token[], next: number): number {
    let cont = next;
    for (let i = seq.length - 1; i >= 0; i -= 1) cont = this.token(seq[i] as Token, cont);
    return cont;
  }

  /** `.*` over whole segments: a loop of AllChar. */
  private allLoop(next: number): number {
    const loop = this.split([]);
    const char = this.add(Kind.AllChar, loop);
    (this.states[loop] as State).outs = [char, next];
    return loop;
  }

  private token(tok: Token, next: number): number {
    switch (tok.t) {
      case 'lit':
        return this.add(Kind.Char, next, tok.c);
      case 'slash':
        return this.add(Kind.Char, next, SLASH);
      case 'any':
        return this.add(Kind.Any, next);
      case 'class': {
        const s = this.add(Kind.Class, next);
        (this.states[s] as State).cls = tok;
        return s;
      }
      case 'star': {
        const loop = this.split([]);
        const char = this.add(Kind.StarChar, loop);
        (this.states[loop] as State).outs = [char, next];
        return loop;
      }
      case 'globstar':
      case 'gs-all':
        return this.allLoop(next);
      case 'gs-tail': {
        // (/.*)?: nothing, or a slash and anything.
        const slash = this.add(Kind.Char, this.allLoop(next), SLASH);
        return this.split([next, slash]);
      }
      case 'gs-prefix': {
        // (.*/)?: nothing, or anything ending with a slash.
        const slash = this.add(Kind.Char, next, SLASH);
        return this.split([next, this.allLoop(slash)]);
      }
      case 'alt':
        return this.split(tok.alts.map((a) => this.seq(a, next)));
      case 'ext': {
        if (tok.op === '@') return this.split(tok.alts.map((a) => this.seq(a, next)));
        if (tok.op === '?') return this.split([...tok.alts.map((a) => this.seq(a, next)), next]);
        const loop = this.split([]);
        const body = tok.alts.map((a) => this.seq(a, loop));
        if (tok.op === '*') {
          (this.states[loop] as State).outs = [...body, next];
          return loop;
        }
        const start = this.split(body);
        (this.states[loop] as State).outs = [start, next];
        return start;
      }
    }
  }
}

function classMatches(cls: Extract<Token, { t: 'class' }>, c: number): boolean {
  if (c === SLASH) return false;
  let hit = false;
  for (const item of cls.items) {
    if ('posix' in item ? item.posix(c) : c >= item.lo && c <= item.hi) {
      hit = true;
      break;
    }
  }
  return hit !== cls.negated;
}

/** For each code point of name: is it part of a segment that is exactly `.` or `..`? */
function dotSegments(name: readonly number[]): Uint8Array {
  const flags = new Uint8Array(name.length);
  let start = 0;
  for (let i = 0; i <= name.length; i += 1) {
    if (i === name.length || name[i] === SLASH) {
      const len = i - start;
      if ((len === 1 && name[start] === DOT) || (len === 2 && name[start] === DOT && name[start + 1] === DOT)) {
        for (let k = start; k < i; k += 1) flags[k] = 1;
      }
      start = i + 1;
    }
  }
  return flags;
}

/**
 * Simulates the NFA on all its states at once (Thompson): each character moves every live
 * state, so a match costs at most (1 + 2 × states) steps per character, whatever the pattern.
 * Every step is counted; run() returns the count.
 */
class Nfa implements Glob {
  readonly states: number;
  private readonly marks: Int32Array;
  private generation = 0;

  constructor(
    readonly pattern: string,
    private readonly table: State[],
    private readonly start: number,
    private readonly negated: boolean,
    /** Set when the pattern is plain text: compared directly. */
    private readonly literal: string | undefined,
  ) {
    this.states = table.length;
    this.marks = new Int32Array(table.length).fill(-1);
    // The closure pushes each out-edge of a split at most once per character.
    this.stackSize = 1 + table.reduce((sum, st) => sum + st.outs.length, 0);
  }

  private readonly stackSize: number;

  test(name: string): boolean {
    return this.run(name).matched;
  }

  run(name: string, maxSteps = Infinity): GlobRun {
    const r = this.simulate(name, maxSteps);
    return r.stopped ? r : { matched: r.matched !== this.negated, steps: r.steps };
  }

  private simulate(name: string, maxSteps: number): GlobRun {
    if (name === '') return { matched: false, steps: 1 };
    if (this.literal !== undefined) return { matched: name === this.literal, steps: name.length + 1 };
    const chars = Array.from(name, cp);
    const dots = dotSegments(chars);
    const table = this.table;
    const marks = this.marks;
    const n = table.length;
    // Live states now and after the next character: each state is added at most once per
    // character (marks), so n slots are enough.
    let live = new Int32Array(n);
    let next = new Int32Array(n);
    const stack = new Int32Array(this.stackSize);
    let liveCount = 0;
    let steps = 0;
    /** Adds `from` and the states it reaches without reading to `into`; returns the new count. */
    const close = (from: number, into: Int32Array, count: number): number => {
      let top = 0;
      stack[top++] = from;
      while (top > 0) {
        const s = stack[--top] as number;
        if (marks[s] === this.generation) continue;
        marks[s] = this.generation;
        steps += 1;
        const state = table[s] as State;
        if (state.kind === Kind.Split) {
          for (let k = state.outs.length - 1; k >= 0; k -= 1) stack[top++] = state.outs[k] as number;
        } else into[count++] = s;
      }
      return count;
    };
    this.generation += 1;
    liveCount = close(this.start, live, 0);
    for (let i = 0; i < chars.length; i += 1) {
      const c = chars[i] as number;
      const inDots = dots[i] === 1;
      this.generation += 1;
      let nextCount = 0;
      steps += 1;
      for (let k = 0; k < liveCount; k += 1) {
        steps += 1;
        const state = table[live[k] as number] as State;
        let ok: boolean;
        switch (state.kind) {
          case Kind.Char:
            ok = c === state.c;
            break;
          case Kind.Any:
            ok = c !== SLASH;
            break;
          case Kind.Class:
            ok = classMatches(state.cls as Extract<Token, { t: 'class' }>, c);
            break;
          case Kind.StarChar:
            ok = c !== SLASH && !inDots;
            break;
          case Kind.AllChar:
            ok = !inDots;
            break;
          default:
            ok = false;
        }
        if (ok) nextCount = close(state.out, next, nextCount);
      }
      [live, next] = [next, live];
      liveCount = nextCount;
      if (liveCount === 0) return { matched: false, steps };
      if (steps > maxSteps) return { matched: false, steps, stopped: true };
    }
    for (let k = 0; k < liveCount; k += 1) if (live[k] === 0) return { matched: true, steps };
    return { matched: false, steps };
  }
}

/** Compiles one glob; throws GlobSyntaxError for what cannot be compiled. */
export function compileGlob(glob: string, options: GlobOptions = {}): Glob {
  if (glob.length > MAX_GLOB_LENGTH)
    throw new GlobSyntaxError(glob.slice(0, 40) + '…', `longer than ${MAX_GLOB_LENGTH} characters`);
  let body = glob;
  let negated = false;
  if (options.negate) {
    while (body.startsWith('!') && !body.startsWith('!(')) {
      negated = !negated;
      body = body.slice(1);
    }
  }
  while (body.startsWith('./')) body = body.slice(2);
  const chars = Array.from(body, cp);
  const parser = new Parser(glob, chars);
  const tokens = rewriteGlobstars((parser.parseGroup(0, chars.length, -1, 0)[0] ?? []) as Token[]);
  const literal = tokens.every((t) => t.t === 'lit' || t.t === 'slash')
    ? String.fromCodePoint(...tokens.map((t) => (t.t === 'lit' ? t.c : SLASH)))
    : undefined;
  const builder = new Builder();
  const start = builder.seq(tokens, 0);
  return new Nfa(glob, builder.states, start, negated, literal);
}

/** True when the pattern holds a wildcard, class, brace alternatives or an extglob. */
export function isGlob(glob: string): boolean {
  try {
    const chars = Array.from(glob.replace(/^(?:\.\/)+/, ''), cp);
    const tokens = new Parser(glob, chars).parseGroup(0, chars.length, -1, 0)[0] ?? [];
    return tokens.some((t) => t.t !== 'lit' && t.t !== 'slash');
  } catch {
    return true;
  }
}
