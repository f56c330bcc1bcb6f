import { isDeepStrictEqual } from 'node:util';
import { showPath, type PathSegment } from './key-path.js';
import { parseYaml, YamlEditError } from './yaml-text.js';

/**
 * Checks an edit did what it meant and nothing else: the documents with the edited path set to
 * the same sentinel must be equal before and after. Returns the value the path now holds.
 */
export function verifyEdit(
  file: string,
  before: string,
  after: string,
  docIndex: number,
  path: PathSegment[],
): unknown {
  const js = (text: string) => parseYaml(file, text).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
  const [was, now] = [js(before), js(after)];
  const reached = readPath(now[docIndex], path);
  setPath(was, [docIndex, ...path]);
  setPath(now, [docIndex, ...path]);
  if (!isDeepStrictEqual(was, now))
    throw new YamlEditError(file, `editing ${showPath(path)} would change more than that value; edit the file by hand`);
  return reached;
}

function step(value: unknown, s: PathSegment | number): unknown {
  if (typeof s === 'number') return (value as unknown[])[s];
  if (value === null || typeof value !== 'object') return undefined;
  if (s.kind === 'key') return (value as Record<string, unknown>)[s.key];
  const list = value as Record<string, unknown>[];
  return s.kind === 'index'
    ? list[s.index]
    : list.find((it) => it !== null && typeof it === 'object' && String(it[s.field]) === s.equals);
}

function readPath(value: unknown, path: PathSegment[]): unknown {
  return path.reduce<unknown>((v, s) => step(v, s), value);
}

const SENTINEL = Symbol('edited');

function setPath(root: unknown, path: (PathSegment | number)[]): void {
  let parent: unknown = root;
  for (let i = 0; i < path.length - 1; i += 1) {
    const s = path[i]!;
    // Keys that -create-value adds do not exist before the edit: make them, so only the value differs.
    if (
      typeof s !== 'number' &&
      s.kind === 'key' &&
      parent !== null &&
      typeof parent === 'object' &&
      !Array.isArray(parent)
    )
      (parent as Record<string, unknown>)[s.key] ??= {};
    parent = step(parent, s);
  }
  const last = path.at(-1)!;
  if (parent === null || typeof parent !== 'object') return;
  if (typeof last === 'number') (parent as unknown[])[last] = SENTINEL;
  else if (last.kind === 'key') (parent as Record<string, unknown>)[last.key] = SENTINEL;
  else {
    const list = parent as unknown[];
    const i = last.kind === 'index' ? last.index : list.indexOf(step(list, last));
    if (i >= 0) list[i] = SENTINEL;
  }
}
