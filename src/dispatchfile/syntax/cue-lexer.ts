/**
 * Tokens of the CUE subset. Anything outside the subset still lexes (as an `op` or an ident
 * such as `#Def`) so the parser can name the construct and point at it.
 */
export type TokenKind = 'ident' | 'string' | 'number' | '{' | '}' | '[' | ']' | ':' | ',' | 'newline' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text (for strings, the decoded value is in `value`). */
  text: string;
  value?: string;
  line: number;
  col: number;
}

export class CueSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
  }
}

const MULTI_OPS = ['...', '=~', '!~', '!=', '<=', '>=', '::', '&&', '||', '/*'];
const IDENT = /[#_]*[A-Za-z_$][A-Za-z0-9_$]*/y;
const NUMBER =
  /-?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)[KMGTP]?i?/y;

export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number) => at - lineStart + 1;
  const push = (kind: TokenKind, text: string, at: number, atLine = line, value?: string) => {
    const t: Token = { kind, text, line: atLine, col: at - lineStartOf(atLine) + 1 };
    if (value !== undefined) t.value = value;
    tokens.push(t);
  };
  let noIdentBefore = 0;
  const lineStarts = [0];
  const lineStartOf = (l: number) => lineStarts[l - 1] ?? 0;
  const newline = (at: number) => {
    line += 1;
    lineStart = at + 1;
    lineStarts.push(lineStart);
  };

  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') {
      i += 1;
    } else if (c === '\n') {
      push('newline', '\n', i);
      newline(i);
      i += 1;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i += 1;
    } else if (c === '"') {
      const start = i;
      const startLine = line;
      if (src.startsWith('"""', i)) {
        const r = multiline(src, i, line, col(i), newline);
        i = r.end;
        push('string', src.slice(start, i), start, startLine, r.value);
      } else {
        const r = quoted(src, i, line, col(i));
        i = r.end;
        push('string', src.slice(start, i), start, startLine, r.value);
      }
    } else if ('{}[]:,'.includes(c) && !(c === ':' && src[i + 1] === ':')) {
      push(c as TokenKind, c, i);
      i += 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '.') && /[0-9]/.test(src[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      const text = m?.[0] ?? c;
      push('number', text, i);
      i += text.length;
    } else if (/[A-Za-z_$#]/.test(c)) {
      let m: RegExpExecArray | null = null;
      if (i >= noIdentBefore) {
        IDENT.lastIndex = i;
        m = IDENT.exec(src);
        // Only a run of `#` with no name after it fails, and then every `#` of the run fails:
        // remember that rather than scan the run again from each `#` (quadratic on `#####…`).
        if (!m) {
          noIdentBefore = i;
          while (src[noIdentBefore] === '#') noIdentBefore += 1;
        }
      }
      const text = m?.[0] ?? c;
      push(m ? 'ident' : 'op', text, i);
      i += text.length;
    } else {
      const op = MULTI_OPS.find((o) => src.startsWith(o, i)) ?? String.fromCodePoint(src.codePointAt(i) ?? 0);
      push('op', op, i);
      i += op.length;
    }
  }
  push('eof', '', i);
  return tokens;
}

function quoted(src: string, start: number, line: number, col: number): { end: number; value: string } {
  let i = start + 1;
  let value = '';
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"') return { end: i + 1, value };
    if (c === '\n') break;
    if (c === '\\') {
      const r = escape(src, i, line, col + (i - start));
      value += r.text;
      i = r.end;
    } else {
      value += c;
      i += 1;
    }
  }
  throw new CueSyntaxError(
    line,
    col,
    'string not closed before the end of the line; close it with `"` (use `"""` for a multi-line string)',
  );
}

/**
 * `"""` then a newline; the closing `"""` line's indentation is removed from every line, and
 * the newline before the closing quotes is not part of the value (CUE's rules).
 */
function multiline(
  src: string,
  start: number,
  line: number,
  col: number,
  newline: (at: number) => void,
): { end: number; value: string } {
  let i = start + 3;
  while (src[i] === ' ' || src[i] === '\t' || src[i] === '\r') i += 1;
  if (src[i] !== '\n')
    throw new CueSyntaxError(line, col, 'a multi-line string must start with `"""` followed by a newline');
  const lines: { text: string; line: number }[] = [];
  let current = '';
  let currentLine = line + 1;
  newline(i);
  i += 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"' && src.startsWith('"""', i) && /^[ \t]*$/.test(current)) {
      const indent = current;
      const out: string[] = [];
      for (const l of lines) {
        if (l.text.trim() === '') out.push('');
        else if (!l.text.startsWith(indent)) {
          throw new CueSyntaxError(
            l.line,
            1,
            'this line of a multi-line string is indented less than its closing `"""`',
          );
        } else out.push(l.text.slice(indent.length));
      }
      return { end: i + 3, value: decodeEscapes(out.join('\n'), line, col) };
    }
    if (c === '\n') {
      lines.push({ text: current.replace(/\r$/, ''), line: currentLine });
      current = '';
      currentLine += 1;
      newline(i);
    } else current += c;
    i += 1;
  }
  throw new CueSyntaxError(line, col, 'multi-line string not closed; end it with `"""` on its own line');
}

function decodeEscapes(text: string, line: number, col: number): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\') {
      const r = escape(text, i, line, col);
      out += r.text;
      i = r.end;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

const SIMPLE: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  "'": "'",
  a: '\x07',
  v: '\v',
};

function escape(src: string, at: number, line: number, col: number): { text: string; end: number } {
  const e = src[at + 1] ?? '';
  if (e in SIMPLE) return { text: SIMPLE[e] ?? '', end: at + 2 };
  if (e === '(')
    throw new CueSyntaxError(
      line,
      col,
      'string interpolation `\\(…)` is not supported; write the text out (Dispatch variables use `$(…)`)',
    );
  const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0;
  const digits = src.slice(at + 2, at + 2 + hex);
  if (hex > 0 && /^[0-9a-fA-F]+$/.test(digits) && digits.length === hex) {
    const cp = parseInt(digits, 16);
    if (cp <= 0x10ffff) return { text: String.fromCodePoint(cp), end: at + 2 + hex };
  }
  throw new CueSyntaxError(line, col, `unknown escape \`\\${e}\` in a string; use \\n, \\t, \\", \\\\ or \\uXXXX`);
}
