import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Problem } from '../errors.js';
import type { Field, Node, Pos } from './tree.js';

/**
 * Reads YAML into the positioned tree. Anchors and aliases resolve; merge keys and complex
 * keys are not part of the Dispatchfile language.
 */
export function readYaml(body: string): { tree?: Node; problems: Problem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(body, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: false });
  const at = (offset: number | undefined): Pos => {
    const p = lines.linePos(offset ?? 0);
    return { line: p.line, col: p.col };
  };
  const problems: Problem[] = doc.errors.map((e) => ({ ...at(e.pos[0]), message: yamlMessage(e.message) }));
  if (problems.length > 0) return { problems };
  if (doc.contents === null) return { tree: { kind: 'struct', fields: new Map(), line: 1, col: 1 }, problems };
  const tree = convert(doc, doc.contents as YamlNode, at, problems, 0);
  return { tree, problems };
}

function yamlMessage(message: string): string {
  // The yaml library appends a source excerpt after the first line; the caller prints line:col.
  const first = message.split('\n')[0] ?? message;
  return `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

function convert(
  doc: Document,
  node: YamlNode,
  at: (o: number | undefined) => Pos,
  problems: Problem[],
  depth: number,
): Node | undefined {
  const pos = at(node.range?.[0]);
  if (depth > 64) {
    problems.push({ ...pos, message: 'nesting deeper than 64 levels; a Dispatchfile never needs this' });
    return undefined;
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return target ? convert(doc, target as YamlNode, at, problems, depth + 1) : undefined;
  }
  if (isMap(node)) {
    const fields = new Map<string, Field>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyPos = at(keyNode?.range?.[0] ?? node.range?.[0]);
      if (!isScalar(keyNode) || typeof keyNode.value === 'object') {
        problems.push({ ...keyPos, message: 'a key must be a plain string; complex YAML keys are not supported' });
        continue;
      }
      if (keyNode.value === '<<') {
        problems.push({ ...keyPos, message: 'YAML merge keys (`<<`) are not supported; write the fields out' });
        continue;
      }
      const key = String(keyNode.value);
      const valueNode = pair.value as YamlNode | null;
      const value = valueNode
        ? convert(doc, valueNode, at, problems, depth + 1)
        : ({ kind: 'null', ...keyPos } as Node);
      if (value) fields.set(key, { key, keyPos, value });
    }
    return { kind: 'struct', fields, ...pos };
  }
  if (isSeq(node)) {
    const items: Node[] = [];
    for (const item of node.items) {
      const converted = item ? convert(doc, item as YamlNode, at, problems, depth + 1) : undefined;
      if (converted) items.push(converted);
    }
    return { kind: 'list', items, ...pos };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return { kind: 'string', value: v, ...pos };
    if (typeof v === 'number') return { kind: 'number', value: v, text: node.source ?? String(v), ...pos };
    if (typeof v === 'boolean') return { kind: 'bool', value: v, ...pos };
    if (v === null || v === undefined) return { kind: 'null', ...pos };
    problems.push({ ...pos, message: `unsupported YAML value ${String(node.source ?? v)}; use a string, number or boolean` });
    return undefined;
  }
  problems.push({ ...pos, message: 'unsupported YAML node' });
  return undefined;
}
