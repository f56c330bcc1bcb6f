import { eq, lt } from './compare.js';
import { GoTemplateError } from './error.js';
import { htmlEscape, jsEscape, urlQueryEscape } from './escape.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { isMap, isTrue, typeName, type Value } from './value.js';

type Arg = () => Value;
type Fn = (args: Arg[], line: number) => Value;

const all = (args: Arg[]) => args.map((a) => a());

function arity(name: string, args: Arg[], n: number, line: number): void {
  if (args.length !== n)
    throw new GoTemplateError(line, `wrong number of args for ${name}: want ${n} got ${args.length}`);
}

/** The text of escaper arguments, as text/template's evalArgs: one string as is, else Sprint. */
function escaperText(args: Value[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

function toIndex(v: Value, name: string, line: number): number {
  if (typeof v !== 'bigint')
    throw new GoTemplateError(line, `error calling ${name}: cannot index slice/array with type ${typeName(v)}`);
  return Number(v);
}

function index(args: Value[], line: number): Value {
  let item = args[0] ?? null;
  for (const key of args.slice(1)) {
    if (isMap(item)) {
      if (typeof key !== 'string')
        throw new GoTemplateError(line, `error calling index: value has type ${typeName(key)}; should be string`);
      // index returns the zero value for a missing key, as in Go: it is how a template asks
      // whether an optional value was given.
      item = item.get(key) ?? '';
    } else if (typeof item === 'string' || Array.isArray(item)) {
      const bytes = typeof item === 'string' ? Buffer.from(item) : null;
      const length = bytes ? bytes.length : (item as Value[]).length;
      const i = toIndex(key, 'index', line);
      if (i < 0 || i >= length) throw new GoTemplateError(line, `error calling index: index out of range: ${i}`);
      item = bytes ? BigInt(bytes[i]!) : (item as Value[])[i]!;
    } else if (item === null) {
      throw new GoTemplateError(line, `error calling index: index of untyped nil`);
    } else {
      throw new GoTemplateError(line, `error calling index: can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(args: Value[], line: number): Value {
  const [item, ...idx] = args;
  if (typeof item !== 'string')
    throw new GoTemplateError(line, `error calling slice: can't slice item of type ${typeName(item ?? null)}`);
  if (idx.length > 2) throw new GoTemplateError(line, `error calling slice: cannot 3-index slice a string`);
  const bytes = Buffer.from(item);
  const from = idx[0] === undefined ? 0 : toIndex(idx[0], 'slice', line);
  const to = idx[1] === undefined ? bytes.length : toIndex(idx[1], 'slice', line);
  if (from < 0 || to > bytes.length || from > to)
    throw new GoTemplateError(line, `error calling slice: index out of range: ${from > to ? from : to}`);
  return bytes.subarray(from, to).toString();
}

function len(v: Value, line: number): Value {
  if (typeof v === 'string') return BigInt(Buffer.byteLength(v));
  if (isMap(v)) return BigInt(v.size);
  if (Array.isArray(v)) return BigInt(v.length);
  throw new GoTemplateError(line, `error calling len: len of type ${typeName(v)}`);
}

/** text/template's predefined functions (`call` is left out: our data holds no functions). */
const FUNCTIONS: Readonly<Record<string, Fn>> = {
  and: (args, line) => {
    if (args.length < 1) throw new GoTemplateError(line, 'wrong number of args for and: want at least 1 got 0');
    let v: Value = null;
    for (const a of args) if (!isTrue((v = a()))) return v;
    return v;
  },
  or: (args, line) => {
    if (args.length < 1) throw new GoTemplateError(line, 'wrong number of args for or: want at least 1 got 0');
    let v: Value = null;
    for (const a of args) if (isTrue((v = a()))) return v;
    return v;
  },
  not: (args, line) => {
    arity('not', args, 1, line);
    return !isTrue(args[0]!());
  },
  len: (args, line) => {
    arity('len', args, 1, line);
    return len(args[0]!(), line);
  },
  index: (args, line) => {
    if (args.length < 1) throw new GoTemplateError(line, 'wrong number of args for index: want at least 1 got 0');
    return index(all(args), line);
  },
  slice: (args, line) => slice(all(args), line),
  print: (args) => sprint(all(args)),
  println: (args) => sprintln(all(args)),
  printf: (args, line) => {
    const [format, ...rest] = all(args);
    if (typeof format !== 'string')
      throw new GoTemplateError(line, `wrong type for value; expected string; got ${typeName(format ?? null)}`);
    return sprintf(format, rest);
  },
  html: (args) => htmlEscape(escaperText(all(args))),
  js: (args) => jsEscape(escaperText(all(args))),
  urlquery: (args) => urlQueryEscape(escaperText(all(args))),
  eq: (args, line) => eq(all(args), line),
  ne: (args, line) => {
    arity('ne', args, 2, line);
    return !eq(all(args), line, 'ne');
  },
  lt: (args, line) => {
    arity('lt', args, 2, line);
    const [a, b] = all(args);
    return lt(a!, b!, line, 'lt');
  },
  le: (args, line) => {
    arity('le', args, 2, line);
    const [a, b] = all(args);
    return lt(a!, b!, line, 'le') || eq([a!, b!], line, 'le');
  },
  gt: (args, line) => {
    arity('gt', args, 2, line);
    const [a, b] = all(args);
    return !lt(a!, b!, line, 'gt') && !eq([a!, b!], line, 'gt');
  },
  ge: (args, line) => {
    arity('ge', args, 2, line);
    const [a, b] = all(args);
    return !lt(a!, b!, line, 'ge');
  },
};

export const isFunction = (name: string): boolean => Object.prototype.hasOwnProperty.call(FUNCTIONS, name);

export function callFunction(name: string, args: Arg[], line: number): Value {
  return FUNCTIONS[name]!(args, line);
}
