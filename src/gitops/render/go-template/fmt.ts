import { canBackquote, quote, quoteRune } from './quote.js';
import { isMap, typeName, type Value } from './value.js';

/**
 * The parts of Go's fmt that templates reach: Sprint, Sprintln and Sprintf with the verbs
 * %v %s %q %d %t %x %X %o %b %c %f %e %g and %%, flags "-+# 0", width and precision.
 */

/** %v of a float64: strconv.FormatFloat(v, 'g', -1): shortest digits, exponent when exp < -4 || exp >= 6. */
export function formatFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return v.toString();
}

function valueText(v: Value, verb: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloatV(v);
  if (typeof v === 'boolean') return String(v);
  if (v === null) return '<nil>';
  if (isMap(v))
    return `map[${[...v.keys()]
      .sort()
      .map((k) => `${k}:${v.get(k)}`)
      .join(' ')}]`;
  return `[${v.map((e) => valueText(e, verb)).join(' ')}]`;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += valueText(arg, 'v');
  });
  return out;
}

/** fmt.Sprintln: always spaces between operands, and a newline. */
export const sprintln = (args: Value[]): string => `${args.map((a) => valueText(a, 'v')).join(' ')}\n`;

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

const bad = (spec: Spec, v: Value) =>
  v === null ? `%!${spec.verb}(<nil>)` : `%!${spec.verb}(${typeName(v)}=${valueText(v, 'v')})`;

function pad(text: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  const fill = width - length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(text) ? text[0]! : '';
    return sign + '0'.repeat(fill) + text.slice(sign.length);
  }
  return ' '.repeat(fill) + text;
}

function signed(text: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${text}`;
  if (spec.plus) return `+${text}`;
  return spec.space ? ` ${text}` : text;
}

function formatInt(v: bigint, spec: Spec): string | undefined {
  const radix = { d: 10, v: 10, x: 16, X: 16, o: 8, O: 8, b: 2 }[spec.verb];
  if (spec.verb === 'c') return String.fromCodePoint(Number(v));
  if (spec.verb === 'q') return quoteRune(Number(v));
  if (radix === undefined) return undefined;
  let digits = (v < 0n ? -v : v).toString(radix);
  if (spec.verb === 'X') digits = digits.toUpperCase();
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  const prefix = spec.sharp ? ({ x: '0x', X: '0X', o: '0', b: '' }[spec.verb] ?? '') : spec.verb === 'O' ? '0o' : '';
  return signed(prefix + digits, v < 0n, spec);
}

function formatFloat(v: number, spec: Spec): string | undefined {
  const abs = Math.abs(v);
  let text: string;
  switch (spec.verb) {
    case 'v':
    case 'g':
      text = spec.prec === undefined ? formatFloatV(abs) : String(Number(abs.toPrecision(Math.max(spec.prec, 1))));
      break;
    case 'f':
    case 'F':
      text = abs.toFixed(spec.prec ?? 6);
      break;
    case 'e':
      text = abs.toExponential(spec.prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      break;
    default:
      return undefined;
  }
  return signed(text, v < 0 || Object.is(v, -0), spec);
}

function formatString(v: string, spec: Spec): string | undefined {
  const cut = spec.prec === undefined ? v : [...v].slice(0, spec.prec).join('');
  switch (spec.verb) {
    case 'v':
    case 's':
      return cut;
    case 'q':
      return spec.sharp && canBackquote(cut) ? `\`${cut}\`` : quote(cut);
    case 'x':
    case 'X': {
      const hex = Buffer.from(cut).toString('hex');
      return spec.verb === 'X' ? hex.toUpperCase() : hex;
    }
    default:
      return undefined;
  }
}

function formatOne(v: Value, spec: Spec): string {
  let text: string | undefined;
  let numeric = false;
  if (typeof v === 'string') text = formatString(v, spec);
  else if (typeof v === 'bigint') {
    text = formatInt(v, spec);
    numeric = spec.verb !== 'c' && spec.verb !== 'q';
  } else if (typeof v === 'number') {
    text = formatFloat(v, spec);
    numeric = true;
  } else if (typeof v === 'boolean') text = spec.verb === 't' || spec.verb === 'v' ? String(v) : undefined;
  else if (spec.verb === 'v' || (spec.verb === 's' && v !== null)) text = valueText(v, spec.verb);
  return text === undefined ? bad(spec, v) : pad(text, spec, numeric);
}

/** fmt.Sprintf; wrong verbs, missing and extra arguments print as Go prints them. */
export function sprintf(format: string, args: Value[]): string {
  let out = '';
  let argIndex = 0;
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d*))?(.)?/gsu;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', width, prec, verb] = m;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      continue;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    const spec: Spec = {
      minus: flags.includes('-'),
      plus: flags.includes('+'),
      sharp: flags.includes('#'),
      space: flags.includes(' '),
      zero: flags.includes('0') && !flags.includes('-'),
      ...(width !== undefined ? { width: Number(width) } : {}),
      ...(prec !== undefined ? { prec: prec === '' ? 0 : Number(prec) } : {}),
      verb,
    };
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(args[argIndex++]!, spec);
  }
  out += format.slice(last);
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => (a === null ? '<nil>' : `${typeName(a)}=${valueText(a, 'v')}`))
      .join(', ')})`;
  }
  return out;
}
