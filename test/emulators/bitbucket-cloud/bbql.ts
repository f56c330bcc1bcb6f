/**
 * The part of Bitbucket's query language (BBQL) that `q=` filters on pull requests need:
 * `field op value` terms joined by AND / OR (AND binds tighter), ops `=`, `!=`, `~` (contains),
 * string literals in double quotes with backslash escapes. Anything else is a syntax error, which
 * Bitbucket answers with 400.
 */
export type Term = { field: string; op: '=' | '!=' | '~'; value: string };
/** OR of ANDs. */
export type Query = Term[][];

export function parseBbql(q: string): Query | { error: string } {
  const tokens: string[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(!=|=|~)|([A-Za-z_][\w.]*))/y;
  let at = 0;
  while (at < q.length) {
    if (/^\s*$/.test(q.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(q);
    if (m === null) return { error: `Invalid query near "${q.slice(at, at + 20)}"` };
    tokens.push(m[0].trim());
    at = re.lastIndex;
  }
  const query: Query = [[]];
  for (let i = 0; i < tokens.length;) {
    const [field, op, lit] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (
      field === undefined ||
      op === undefined ||
      lit === undefined ||
      !/^(=|!=|~)$/.test(op) ||
      !lit.startsWith('"')
    ) {
      return { error: `Invalid query: expected field, operator and "value" at term ${query.flat().length + 1}` };
    }
    query[query.length - 1]?.push({ field, op: op as Term['op'], value: lit.slice(1, -1).replace(/\\(.)/g, '$1') });
    i += 3;
    const joiner = tokens[i];
    if (joiner === undefined) break;
    if (joiner.toUpperCase() === 'OR') query.push([]);
    else if (joiner.toUpperCase() !== 'AND') return { error: `Invalid query: expected AND or OR, got ${joiner}` };
    i += 1;
    if (i >= tokens.length) return { error: 'Invalid query: ends with a conjunction' };
  }
  return query;
}

export function matches(query: Query, fieldValue: (field: string) => string | undefined): boolean {
  return query.some((all) =>
    all.every((t) => {
      const v = fieldValue(t.field) ?? '';
      return t.op === '='
        ? v === t.value
        : t.op === '!='
          ? v !== t.value
          : v.toLowerCase().includes(t.value.toLowerCase());
    }),
  );
}
