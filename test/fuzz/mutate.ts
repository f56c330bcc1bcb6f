import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path into a JSON value (objects and arrays), the root included. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/** Values that break parsers that trust a field's type or size. */
const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    null,
    '',
    0,
    -1,
    1e308,
    true,
    [],
    {},
    '0'.repeat(40),
    'refs/heads/',
    'refs/tags/',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '\u0000',
    '💥'.repeat(100),
    'x'.repeat(70_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

type Op = { kind: 'delete' | 'replace'; pick: number; value: Json } | { kind: 'proto'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(), value: fc.constant(null) }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: nasty }),
  fc.record({ kind: fc.constant('proto' as const), pick: fc.nat() }),
);

function apply(root: Json, o: Op): Json {
  const all = paths(root);
  const path = all[o.pick % all.length]!;
  if (path.length === 0) return o.kind === 'replace' ? o.value : o.kind === 'delete' ? null : root;
  const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root) as
    Record<string | number, Json> | Json[];
  const key = path.at(-1)!;
  if (o.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (o.kind === 'replace') (parent as Record<string | number, Json>)[key] = o.value;
  // A "__proto__" key as JSON.parse creates it: an own property, not the prototype.
  else
    (parent as Record<string | number, Json>)[key] = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
    ) as Json;
  return root;
}

/** A real payload with 1–5 fields deleted, replaced by nasty values or prototype-shaped objects. */
export function mutatedJson(seeds: unknown[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 5 })).map(([seed, ops]) => {
    let v = structuredClone(seed) as Json;
    for (const o of ops) v = apply(v, o);
    return JSON.stringify(v);
  });
}

/** Text-level damage to a real payload: truncated, a byte spliced in, or a chunk duplicated. */
export function damagedText(seeds: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.nat(),
      fc.nat(),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('truncate', 'splice', 'duplicate'),
    )
    .map(([s, a, b, ins, how]) => {
      const i = a % (s.length + 1);
      const j = b % (s.length + 1);
      if (how === 'truncate') return s.slice(0, i);
      if (how === 'splice') return s.slice(0, i) + ins + s.slice(i + (j % 4));
      return s.slice(0, i) + s.slice(Math.min(i, j), Math.max(i, j)) + s.slice(i);
    });
}

/** Bodies that are not the SCM's at all. */
export const randomBody: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"x":1}}', '{"ref":null}', '1e999', '"'.repeat(3)),
);
