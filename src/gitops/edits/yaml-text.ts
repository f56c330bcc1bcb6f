import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  stringify,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { PermanentError } from '../../core/errors.js';
import { showPath, type PathSegment } from './key-path.js';

/**
 * Byte-preserving edits of YAML text. Each edit splices new text into the original source at the
 * ranges the `yaml` parser reports, so comments, key order, quoting and blank lines that the edit
 * does not touch stay as they were; re-stringifying the document would reformat it.
 */

export class YamlEditError extends PermanentError {
  constructor(file: string, message: string) {
    super('gitops_edit_invalid', `${file}: ${message}`);
  }
}

export function parseYaml(file: string, text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) throw new YamlEditError(file, `is not valid YAML (${first.message.split('\n')[0]}); fix the file first`);
  }
  return docs;
}

export type Found =
  | { kind: 'found'; node: Node; parent: YAMLMap | YAMLSeq | null; pair?: Pair }
  | { kind: 'missing'; at: number; node: Node | null };

/** Follows `path` from a document's root: the node there, or how far it got. */
export function locate(file: string, doc: Document.Parsed, path: PathSegment[]): Found {
  let node: Node | null = doc.contents as Node | null;
  let parent: YAMLMap | YAMLSeq | null = null;
  let pair: Pair | undefined;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i]!;
    if (node !== null && isAlias(node))
      throw new YamlEditError(
        file,
        `${showPath(path.slice(0, i))} is an alias (*${node.source}); edit the anchor instead`,
      );
    if (segment.kind === 'key') {
      if (!isMap(node)) return { kind: 'missing', at: i, node };
      const found = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment.key);
      if (found === undefined) return { kind: 'missing', at: i, node };
      parent = node;
      pair = found;
      node = (found.value as Node | null) ?? null;
      if (node === null) return { kind: 'missing', at: i + 1, node: null };
    } else {
      if (!isSeq(node)) return { kind: 'missing', at: i, node };
      const items = node.items as Node[];
      const item =
        segment.kind === 'index'
          ? items[segment.index]
          : items.find(
              (it) =>
                isMap(it) &&
                it.items.some(
                  (p) =>
                    isScalar(p.key) &&
                    String(p.key.value) === segment.field &&
                    isScalar(p.value) &&
                    String(p.value.value) === segment.equals,
                ),
            );
      if (item === undefined) return { kind: 'missing', at: i, node };
      parent = node;
      pair = undefined;
      node = item;
    }
  }
  return { kind: 'found', node: node as Node, parent, ...(pair ? { pair } : {}) };
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const column = (text: string, at: number) => at - lineStart(text, at);
function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl === -1 ? text.length : nl + 1;
}

/** The text for `value` in place of `old`: its quoting style kept, its type kept when the value allows. */
export function scalarText(value: string, old: Scalar, asString = false): string {
  if (old.type === 'QUOTE_DOUBLE')
    return stringify(value, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 0 }).trimEnd();
  if (old.type === 'QUOTE_SINGLE')
    return stringify(value, { defaultStringType: 'QUOTE_SINGLE', lineWidth: 0 }).trimEnd();
  // A plain number or boolean stays one when the new value reads as the same type (replicas: 3 → 4).
  if (!asString && typeof old.value !== 'string' && old.value !== null && plainReadsAs(value) === typeof old.value)
    return value;
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function plainReadsAs(value: string): string {
  try {
    const docs = parseAllDocuments(value);
    const only = Array.isArray(docs) && docs.length === 1 ? docs[0]! : null;
    return only && only.errors.length === 0 && isScalar(only.contents) ? typeof only.contents.value : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** Replaces one scalar's source text. Block scalars (| and >) are refused: their lines are theirs. */
export function spliceScalar(
  file: string,
  text: string,
  node: Node,
  value: string,
  where: string,
  opts: { asString?: boolean } = {},
): { text: string; before: string } {
  if (!isScalar(node))
    throw new YamlEditError(
      file,
      `${where} is a ${isMap(node) ? 'mapping' : 'sequence'}, not a value; name a key below it`,
    );
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')
    throw new YamlEditError(
      file,
      `${where} is a block scalar (| or >); write it as a one-line value to let dispatchd set it`,
    );
  const [start, end] = node.range!;
  const before = node.value === null ? '' : String(node.value);
  return { text: text.slice(0, start) + scalarText(value, node, opts.asString) + text.slice(end), before };
}

/** Appends `key: value` (and keys below it) as the last pairs of a block mapping. */
export function insertPairs(
  file: string,
  text: string,
  map: YAMLMap | null,
  keys: string[],
  valueText: string,
  where: string,
): string {
  const keyText = (k: string) => stringify(k, { lineWidth: 0 }).trimEnd();
  let indent: number;
  let at: number;
  if (map === null) {
    indent = 0;
    at = text.length;
  } else {
    if (map.flow)
      throw new YamlEditError(
        file,
        `${where} is a flow mapping ({…}); write it in block style to let dispatchd add keys`,
      );
    const first = map.items[0];
    if (first === undefined || !isScalar(first.key))
      throw new YamlEditError(file, `${where} is an empty mapping; add the key by hand once`);
    indent = column(text, first.key.range![0]);
    const last = map.items.at(-1)!;
    const lastEnd = ((last.value as Node | null)?.range ?? (last.key as Node).range!)[1];
    at = lineEnd(text, lastEnd);
  }
  const lines = keys.map(
    (k, i) => `${' '.repeat(indent + 2 * i)}${keyText(k)}:${i === keys.length - 1 ? ` ${valueText}` : ''}`,
  );
  const prefix = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  return `${text.slice(0, at)}${prefix}${lines.join('\n')}\n${text.slice(at)}`;
}

/** Removes a `key: scalar` pair and its line; the pair must have the line to itself. */
export function removePair(file: string, text: string, pair: Pair, where: string): string {
  const key = pair.key as Node;
  const value = pair.value as Node | null;
  const from = lineStart(text, key.range![0]);
  if (text.slice(from, key.range![0]).trim() !== '' && text.slice(from, key.range![0]).trim() !== '-')
    throw new YamlEditError(file, `${where} shares its line with other keys; write the entry in block style`);
  if (value !== null && !isScalar(value)) throw new YamlEditError(file, `${where} is not a single value`);
  const to = lineEnd(text, (value ?? key).range![1]);
  return text.slice(0, from) + text.slice(to);
}
