import { PermanentError } from '../../core/errors.js';

/** One step of a key path: a mapping key, a sequence index, or the item whose `field` is `equals`. */
export type PathSegment =
  { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'match'; field: string; equals: string };

export const showPath = (segments: PathSegment[]): string =>
  segments
    .map((s, i) =>
      s.kind === 'key'
        ? `${i > 0 ? '.' : ''}${s.key.replace(/([.\\[])/g, '\\$1')}`
        : s.kind === 'index'
          ? `[${s.index}]`
          : `[${s.field}=${s.equals}]`,
    )
    .join('');

function fail(raw: string, why: string): never {
  throw new PermanentError(
    'gitops_flag_invalid',
    `key path "${raw}" ${why}; write keys separated by ".", e.g. image.tag, spec.source.helm.parameters[name=image.tag].value or containers[0].image (a "\\." keeps a dot inside a key)`,
  );
}

/**
 * Parses `image.tag`, `a\.b.c` (a key with a dot), `items[0]` and `parameters[name=image.tag]`
 * (the sequence item whose `name` is `image.tag`, as in an Argo CD Application's helm.parameters).
 */
export function parseKeyPath(raw: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let key = '';
  let keyStarted = false;
  const endKey = () => {
    if (keyStarted) {
      if (key === '') fail(raw, 'has an empty key');
      segments.push({ kind: 'key', key });
    }
    key = '';
    keyStarted = false;
  };
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      key += raw[i + 1];
      keyStarted = true;
      i += 1;
    } else if (c === '.') {
      if (!keyStarted && segments.at(-1)?.kind === 'key') fail(raw, 'has an empty key');
      endKey();
      if (i === raw.length - 1) fail(raw, 'ends with "."');
    } else if (c === '[') {
      endKey();
      const close = raw.indexOf(']', i);
      if (close === -1) fail(raw, 'has a "[" without "]"');
      const inner = raw.slice(i + 1, close);
      const eq = inner.indexOf('=');
      if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (eq > 0) segments.push({ kind: 'match', field: inner.slice(0, eq), equals: inner.slice(eq + 1) });
      else fail(raw, `has "[${inner}]", which is neither an index nor field=value`);
      i = close;
    } else {
      key += c;
      keyStarted = true;
    }
  }
  endKey();
  if (segments.length === 0) fail(raw, 'is empty');
  for (const s of segments) if (s.kind === 'key' && s.key === '__proto__') fail(raw, 'names "__proto__"');
  return segments;
}
