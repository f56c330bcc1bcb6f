/**
 * Go values as the evaluator holds them: string, int (bigint), float64 (number), bool, nil
 * (null), the substitution map (update-gitops-repo's map[string]string) and slices.
 */
export type Value = string | bigint | number | boolean | null | ReadonlyMap<string, string> | readonly Value[];

export const isMap = (v: Value): v is ReadonlyMap<string, string> => v instanceof Map;

/** The Go type name, as fmt prints it in `%!d(string=x)`. */
export function typeName(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return '<nil>';
  if (isMap(v)) return 'map[string]string';
  return '[]interface {}';
}

/** text/template's truth: false, 0, nil and empty strings, maps and slices are false. */
export function isTrue(v: Value): boolean {
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (isMap(v)) return v.size > 0;
  return v.length > 0;
}
