import { GoTemplateError } from './error.js';
import { typeName, type Value } from './value.js';

type Basic = 'bool' | 'int' | 'float' | 'string';

function basicKind(v: Value, line: number): Basic {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  throw new GoTemplateError(line, `error calling comparison: invalid type for comparison`);
}

/** text/template's `eq`: arg1 == arg2 || arg1 == arg3 …; basic kinds must match. */
export function eq(args: Value[], line: number, name = 'eq'): boolean {
  if (args.length < 2)
    throw new GoTemplateError(line, `wrong number of args for ${name}: want at least 2 got ${args.length}`);
  const [first, ...rest] = args as [Value, ...Value[]];
  // Go 1.18+: nil compares equal to nil only; other non-basic values are refused here.
  const k1 = first === null ? null : basicKind(first, line);
  for (const other of rest) {
    if (k1 === null || other === null) {
      if (k1 === null && other === null) return true;
      continue;
    }
    const k2 = basicKind(other, line);
    if (k1 !== k2) throw new GoTemplateError(line, `error calling ${name}: incompatible types for comparison`);
    if (first === other) return true;
  }
  return false;
}

/** `lt`: ordered basic kinds only (ints, floats, strings), both of one kind. */
export function lt(a: Value, b: Value, line: number, name: string): boolean {
  const k1 = a === null ? null : basicKind(a, line);
  const k2 = b === null ? null : basicKind(b, line);
  if (k1 === null || k2 === null || k1 === 'bool' || k2 === 'bool')
    throw new GoTemplateError(line, `error calling ${name}: invalid type for comparison`);
  if (k1 !== k2) throw new GoTemplateError(line, `error calling ${name}: incompatible types for comparison`);
  if (k1 === 'string') return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return (a as number | bigint) < (b as number | bigint);
}

export const describeType = typeName;
