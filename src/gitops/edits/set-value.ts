import { isMap, stringify, type YAMLMap } from 'yaml';
import { showPath, type PathSegment } from './key-path.js';
import { verifyEdit } from './verify-edit.js';
import { insertPairs, locate, parseYaml, spliceScalar, YamlEditError } from './yaml-text.js';

/** `-set-value` / `-create-value`: one value by key path in one YAML file of the environment. */
export interface ValueEdit {
  kind: 'value';
  /** Relative to the step's working directory, as written in the flag. */
  file: string;
  path: PathSegment[];
  value: string;
  /** Whether missing keys are added (`-create-value`) rather than an error (`-set-value`). */
  create: boolean;
}

export interface EditResult {
  text: string;
  /** What changed, for the PR: null when the value was already there. */
  change: { key: string; before: string | null; after: string } | null;
}

const quoted = (value: string) => stringify(value, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 0 }).trimEnd();

function readsBack(file: string, before: string, after: string, doc: number, edit: ValueEdit): boolean {
  try {
    return String(verifyEdit(file, before, after, doc, edit.path)) === edit.value;
  } catch (err) {
    if (err instanceof YamlEditError) return false;
    throw err;
  }
}

/** Sets the value, splicing only its text; every other byte of the file stays as it was. */
export function setValue(file: string, text: string, edit: ValueEdit): EditResult {
  const where = showPath(edit.path);
  const docs = parseYaml(file, text);
  for (let d = 0; d < docs.length; d += 1) {
    const found = locate(file, docs[d]!, edit.path);
    if (found.kind !== 'found') continue;
    const spliced = spliceScalar(file, text, found.node, edit.value, where);
    if (spliced.before === edit.value && typeof (found.node as { value?: unknown }).value === 'string')
      return { text, change: null };
    let after = spliced.text;
    // A plain value that YAML would read as another type (tag: 1.10 → the float 1.1), or that
    // breaks the flow collection around it ({team: a, b}), is written double-quoted instead.
    if (!readsBack(file, text, after, d, edit)) {
      const [start, end] = found.node.range!;
      after = text.slice(0, start) + quoted(edit.value) + text.slice(end);
      verifyEdit(file, text, after, d, edit.path);
    }
    if (after === text) return { text, change: null };
    return { text: after, change: { key: where, before: spliced.before, after: edit.value } };
  }
  const first = docs.length > 0 ? locate(file, docs[0]!, edit.path) : { kind: 'missing' as const, at: 0, node: null };
  const at = first.kind === 'missing' ? first.at : 0;
  const reached = at === 0 ? 'the top level' : showPath(edit.path.slice(0, at));
  if (!edit.create) {
    throw new YamlEditError(
      file,
      `${where} does not exist (found up to ${reached}); check the key path, or use -create-value to add it`,
    );
  }
  if (docs.length > 1)
    throw new YamlEditError(file, `has ${docs.length} YAML documents; -create-value needs a file with one`);
  const rest = edit.path.slice(at);
  if (rest.some((s) => s.kind !== 'key'))
    throw new YamlEditError(file, `${where} does not exist and -create-value adds mapping keys only, not list items`);
  const parent = first.kind === 'missing' ? first.node : null;
  if (parent !== null && !isMap(parent))
    throw new YamlEditError(file, `${reached} is not a mapping, so ${where} cannot be added below it`);
  if (parent === null && at > 0)
    throw new YamlEditError(file, `${reached} has no value (null); give it a mapping by hand first`);
  const after = insertPairs(
    file,
    text,
    parent as YAMLMap | null,
    rest.map((s) => (s as { key: string }).key),
    stringify(edit.value, { lineWidth: 0 }).trimEnd(),
    reached,
  );
  verifyEdit(file, text, after, 0, edit.path);
  return { text: after, change: { key: where, before: null, after: edit.value } };
}
