import { GoTemplateError } from './error.js';
import { readQuoted } from './literals.js';

// update-gitops-repo called template.New(...).Delims("$({", "})"): these are its delimiters.
export const LEFT = '$({';
export const RIGHT = '})';

export type TokenType =
  | 'text'
  | 'left'
  | 'right'
  | 'field' // .a.b: names in `names`
  | 'dot'
  | 'variable' // $ or $x, with optional .a.b in `names`
  | 'identifier'
  | 'string'
  | 'char'
  | 'number'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'space';

export interface Token {
  type: TokenType;
  /** Text for text tokens, the decoded value for strings, the source for the rest. */
  value: string;
  line: number;
  /** Field names after a variable, a dot chain, or after `)`. */
  names?: string[];
}

const SPACE = /[ \t\r\n]/;
const IDENT_START = /[A-Za-z_\u00c0-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_\u00c0-\uffff]/;

/** Whether `src` at `at` is a trim marker: "-" followed by an ASCII space (Go's rule). */
const isTrim = (src: string, at: number) => src[at] === '-' && SPACE.test(src[at + 1] ?? '');

function lineOf(src: string, at: number, from: { at: number; line: number }): number {
  for (let i = from.at; i < at; i += 1) if (src.charCodeAt(i) === 10) from.line += 1;
  from.at = at;
  return from.line;
}

/**
 * Splits a template into text and action tokens as Go's text/template lexer does with the
 * delimiters `$({` and `})`: `{{` is plain text; `$({-` and `-})` (with a space) trim the
 * whitespace beside them; `$({/* … *\/})` is a comment.
 */
export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  const cursor = { at: 0, line: 1 };
  let pos = 0;
  let trimNext = false;
  while (pos <= src.length) {
    const open = src.indexOf(LEFT, pos);
    let text = src.slice(pos, open === -1 ? src.length : open);
    const textLine = lineOf(src, pos, cursor);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open === -1) {
      if (text !== '') tokens.push({ type: 'text', value: text, line: textLine });
      break;
    }
    let inner = open + LEFT.length;
    if (isTrim(src, inner)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner += 2;
    }
    if (text !== '') tokens.push({ type: 'text', value: text, line: textLine });
    const line = lineOf(src, open, cursor);
    if (src.startsWith('/*', inner)) {
      const close = src.indexOf('*/', inner + 2);
      if (close === -1) throw new GoTemplateError(line, 'unclosed comment');
      let after = close + 2;
      if (src[after] === ' ' && src.startsWith(' -' + RIGHT, after)) {
        after += 2;
        trimNext = true;
      }
      if (!src.startsWith(RIGHT, after)) throw new GoTemplateError(line, `comment ends before closing delimiter`);
      pos = after + RIGHT.length;
      continue;
    }
    tokens.push({ type: 'left', value: LEFT, line });
    const end = lexAction(src, inner, tokens, cursor);
    pos = end.pos;
    trimNext = end.trim;
  }
  return tokens;
}

function lexAction(
  src: string,
  start: number,
  tokens: Token[],
  cursor: { at: number; line: number },
): { pos: number; trim: boolean } {
  let i = start;
  let depth = 0;
  for (;;) {
    const line = lineOf(src, i, cursor);
    if (i >= src.length) throw new GoTemplateError(line, 'unclosed action');
    if (depth === 0 && SPACE.test(src[i]!) && src.startsWith('-' + RIGHT, i + 1)) {
      tokens.push({ type: 'right', value: RIGHT, line });
      return { pos: i + 1 + 1 + RIGHT.length, trim: true };
    }
    if (depth === 0 && src.startsWith(RIGHT, i)) {
      tokens.push({ type: 'right', value: RIGHT, line });
      return { pos: i + RIGHT.length, trim: false };
    }
    const c = src[i]!;
    if (SPACE.test(c)) {
      let j = i;
      // Stop at a space that begins " -})", so the next round sees the trim marker.
      while (j < src.length && SPACE.test(src[j]!) && !(depth === 0 && src.startsWith('-' + RIGHT, j + 1))) j += 1;
      if (j > i) {
        tokens.push({ type: 'space', value: src.slice(i, j), line });
        i = j;
        continue;
      }
    }
    const push = (type: TokenType, value: string, len: number, names?: string[]) => {
      tokens.push({ type, value, line, ...(names ? { names } : {}) });
      i += len;
    };
    if (c === '|') push('pipe', c, 1);
    else if (c === '(') {
      depth += 1;
      push('lparen', c, 1);
    } else if (c === ')') {
      depth -= 1;
      if (depth < 0) throw new GoTemplateError(line, `unexpected right paren`);
      const chain = readChain(src, i + 1);
      push('rparen', c, 1 + chain.len, chain.names.length > 0 ? chain.names : undefined);
    } else if (c === ',') push('comma', c, 1);
    else if (c === ':' && src[i + 1] === '=') push('declare', ':=', 2);
    else if (c === '=') push('assign', '=', 1);
    else if (c === '"') push('string', ...readQuoted(src, i, line));
    else if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close === -1) throw new GoTemplateError(line, 'unterminated raw quoted string');
      push('string', src.slice(i + 1, close), close + 1 - i);
    } else if (c === "'") push('char', ...readQuoted(src, i, line));
    else if (c === '$') {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j]!)) j += 1;
      const chain = readChain(src, j);
      push('variable', src.slice(i, j), j - i + chain.len, chain.names);
    } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      const chain = readChain(src, i);
      const after = i + chain.len;
      // Go reads ".image-name" as ".image" minus "name"; say what to write instead.
      if (chain.names.length > 0 && src[after] === '-' && IDENT_PART.test(src[after + 1] ?? '')) {
        const key = `${chain.names.at(-1)}${/^-[A-Za-z0-9_-]*/.exec(src.slice(after))![0]}`;
        throw new GoTemplateError(
          line,
          `"${key}" is not a Go field name (it has a "-"); write $({ index . "${key}" })`,
        );
      }
      if (chain.names.length === 0) push('dot', '.', 1);
      else push('field', src.slice(i, i + chain.len), chain.len, chain.names);
    } else if (/[0-9+\-.]/.test(c)) {
      const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)/.exec(
        src.slice(i),
      );
      const num = m?.[0] ?? '';
      if (num === '' || num === '+' || num === '-' || IDENT_PART.test(src[i + num.length] ?? ''))
        throw new GoTemplateError(line, `bad number syntax: "${src.slice(i, i + num.length + 1)}"`);
      push('number', num, num.length);
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < src.length && IDENT_PART.test(src[j]!)) j += 1;
      push('identifier', src.slice(i, j), j - i);
    } else {
      throw new GoTemplateError(line, `unexpected "${c}" in command`);
    }
  }
}

/** `.a.b` starting at `at`: the names and how many characters they take. */
function readChain(src: string, at: number): { names: string[]; len: number } {
  const names: string[] = [];
  let j = at;
  while (src[j] === '.' && IDENT_START.test(src[j + 1] ?? '')) {
    let k = j + 1;
    while (k < src.length && IDENT_PART.test(src[k]!)) k += 1;
    names.push(src.slice(j + 1, k));
    j = k;
  }
  return { names, len: j - at };
}
