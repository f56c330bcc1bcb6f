/** strconv.Quote, QuoteRune and CanBackquote, as fmt's %q uses them. */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

function quoteWith(s: string, quote: '"' | "'"): string {
  let out = quote;
  for (const ch of s) {
    if (ch === quote) out += `\\${quote}`;
    else if (ESCAPES[ch] !== undefined) out += ESCAPES[ch];
    else if (PRINTABLE.test(ch)) out += ch;
    else {
      const code = ch.codePointAt(0)!;
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return out + quote;
}

export const quote = (s: string): string => quoteWith(s, '"');

export const quoteRune = (code: number): string => quoteWith(String.fromCodePoint(code), "'");

/** Whether s can be written as a raw `…` string: no backquote, no control but tab. */
export const canBackquote = (s: string): boolean => !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(s);
