/**
 * Names the CUE construct found outside the subset, so the error says what to change. `after`
 * is true when the operator follows a value (a binary expression).
 */
export function describeUnsupported(what: string, name?: string, after = false): string {
  const tail =
    '; dispatchd reads a CUE subset (labels, structs, lists, strings, numbers, booleans), see docs/dispatchfile.md';
  const known: Record<string, string> = {
    '|': 'disjunctions (`a | b`) are not supported; write the one value you mean',
    '&': 'unification with `&` is not supported; write the value out',
    '*': after
      ? 'arithmetic (`*`) is not supported; write the value out'
      : 'default markers (`*value`) are not supported; write the value out',
    '+': 'arithmetic and string concatenation (`+`) are not supported; write the value out',
    '-': 'arithmetic (`-`) is not supported; write the value out',
    '/': 'arithmetic (`/`) is not supported; write the value out (comments start with `//`)',
    '/*': 'block comments (`/* … */`) are not CUE; use `//` comments',
    '...': 'an ellipsis (`...`) is only allowed at the end of a list or struct',
    '=': 'aliases and let bindings (`=`) are not supported; write the value out',
    '::': 'old-style definitions (`::`) are not supported; use plain fields',
    '=~': 'regular expression constraints (`=~`) are not supported; write the value out',
    '!~': 'regular expression constraints (`!~`) are not supported; write the value out',
    '<': 'bound constraints (`<`) are not supported; write the value out',
    '>': 'bound constraints (`>`) are not supported; write the value out',
    '<=': 'bound constraints (`<=`) are not supported; write the value out',
    '>=': 'bound constraints (`>=`) are not supported; write the value out',
    '!=': 'bound constraints (`!=`) are not supported; write the value out',
    '&&': 'boolean expressions (`&&`) are not supported; write the value out',
    '||': 'boolean expressions (`||`) are not supported; write the value out',
    '(': after
      ? 'function calls are not supported; write the value out'
      : 'parenthesised expressions are not supported; write the value out',
    '.': 'selectors (`a.b`) are not supported; write the value out',
    '@': 'attributes (`@name(…)`) are not supported; remove them',
    "'": 'single-quoted byte strings are not supported; use "double quotes"',
    '#': 'raw strings (`#"…"#`) are not supported; use "double quotes" with escapes',
    optional: 'optional fields (`name?:`) are not supported; write a plain field',
    required: 'required-field markers (`name!:`) are not supported; write a plain field',
    definition: `definitions (\`${name ?? '#Def'}\`) are not supported; write the fields out`,
    hidden: `hidden fields (\`${name ?? '_x'}\`) are not supported; use a plain label or quote it ("${name ?? '_x'}")`,
    reference: `references to other fields (\`${name ?? 'x'}\`) are not supported; write the value out (quote strings: "${name ?? 'x'}")`,
    type: `types as values (\`${name ?? 'string'}\`) are not supported; write a concrete value`,
    package: 'package clauses are not supported; remove the `package` line',
    import: 'imports are not supported; write the values out',
    let: 'let bindings are not supported; write the value out',
    if: 'comprehensions (`if`) are not supported; write the fields out',
    for: 'comprehensions (`for`) are not supported; write the elements out',
    dynamic: 'dynamic labels (`(expr): value`) are not supported; write the label out',
    pattern: 'pattern constraints (`[string]: value`) are not supported; write each field out',
    index: 'indexing (`a[0]`) is not supported; write the value out',
    'typed-ellipsis':
      'typed list tails (`...T`) and an ellipsis before other elements are not supported; `...` may only end a list',
  };
  return `${known[what] ?? `\`${what}\` is not part of the supported CUE subset`}${tail}`;
}
