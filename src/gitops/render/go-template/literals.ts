import { GoTemplateError } from './error.js';

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** A Go interpreted string or rune literal at `at`: its decoded value and source length. */
export function readQuoted(src: string, at: number, line: number): [string, number] {
  const quote = src[at]!;
  let out = '';
  let j = at + 1;
  while (j < src.length && src[j] !== quote) {
    const ch = src[j]!;
    if (ch === '\n') break;
    if (ch !== '\\') {
      out += ch;
      j += 1;
      continue;
    }
    const e = src[j + 1] ?? '';
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      j += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(j + 2, j + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex))
        throw new GoTemplateError(line, `invalid escape \\${e}${hex}`);
      out += e === 'x' ? Buffer.from([parseInt(hex, 16)]).toString('latin1') : String.fromCodePoint(parseInt(hex, 16));
      j += 2 + len;
    } else if (/[0-7]/.test(e)) {
      out += String.fromCharCode(parseInt(src.slice(j + 1, j + 4), 8));
      j += 4;
    } else {
      throw new GoTemplateError(line, `unknown escape sequence \\${e}`);
    }
  }
  if (src[j] !== quote)
    throw new GoTemplateError(line, `unterminated quoted ${quote === '"' ? 'string' : 'character'}`);
  return [out, j + 1 - at];
}
