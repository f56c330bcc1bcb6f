import {
  Composer,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  YAMLParseError,
  type CST,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { Problem } from '../errors.js';
import { MAX_NESTING_DEPTH, MAX_YAML_ALIAS_EXPANSIONS, MAX_YAML_ALIAS_NODES } from '../limits.js';
import type { Field, Node, Pos } from './tree.js';

const TOO_DEEP = `nesting deeper than ${MAX_NESTING_DEPTH} levels; a Dispatchfile never needs this`;

/**
 * Reads YAML into the positioned tree. Anchors and aliases resolve; merge keys and complex
 * keys are not part of the Dispatchfile language.
 *
 * Bounded whatever the text: nesting is checked on the yaml library's concrete syntax tree
 * (built without recursion) before the document is composed, duplicate keys are found with a
 * Map (the library's `uniqueKeys` check is quadratic in a map's size), and expanding aliases
 * stops at MAX_YAML_ALIAS_EXPANSIONS expansions or MAX_YAML_ALIAS_NODES expanded nodes.
 */
export function readYaml(body: string): {
  tree?: Node;
  problems: Problem[];
  aliasExpansions?: number;
  aliasNodes?: number;
} {
  const lines = new LineCounter();
  const at = (offset: number | undefined): Pos => {
    const p = lines.linePos(offset ?? 0);
    return { line: p.line, col: p.col };
  };
  const tokens = Array.from(new Parser(lines.addNewLine).parse(body));
  const deep = tooDeep(tokens);
  if (deep !== undefined) return { problems: [{ ...at(deep), message: TOO_DEEP }] };
  const doc = compose(tokens, body.length);
  const problems: Problem[] = doc.errors.map((e) => ({ ...at(e.pos[0]), message: yamlMessage(e.message) }));
  if (problems.length > 0) return { problems };
  if (doc.contents === null) return { tree: { kind: 'struct', fields: new Map(), line: 1, col: 1 }, problems };
  const converter = new Converter(doc, at, problems);
  try {
    const tree = converter.convert(doc.contents as YamlNode, 1);
    return { tree, problems, aliasExpansions: converter.aliasExpansions, aliasNodes: converter.aliasNodes };
  } catch (err) {
    if (!(err instanceof LimitReached)) throw err;
    return { problems: [err.problem], aliasExpansions: converter.aliasExpansions, aliasNodes: converter.aliasNodes };
  }
}

/** parseDocument, from tokens already parsed: one document, as the library composes it. */
function compose(tokens: CST.Token[], end: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: false, merge: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, end)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  return doc as Document.Parsed;
}

/** The offset of the first collection nested deeper than MAX_NESTING_DEPTH, if any. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [CST.Token, number];
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > MAX_NESTING_DEPTH) return token.offset;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

function yamlMessage(message: string): string {
  // The yaml library appends a source excerpt after the first line; the caller prints line:col.
  const first = message.split('\n')[0] ?? message;
  return `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

class LimitReached extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

class Converter {
  /** Every `*alias` expanded so far, nested ones each time their anchor is expanded. */
  aliasExpansions = 0;
  /** Nodes created while expanding aliases. */
  aliasNodes = 0;
  /** Where the outermost alias being expanded is written (undefined outside aliases). */
  private expandingFrom: Pos | undefined;
  /** The anchored nodes being expanded now: an alias to one of them would never end. */
  private readonly expanding = new Set<YamlNode>();
  /** Each alias's node: the last node anchored with its name before it, in document order. */
  private readonly targets: Map<YamlNode, YamlNode>;

  constructor(
    doc: Document.Parsed,
    private readonly at: (o: number | undefined) => Pos,
    private readonly problems: Problem[],
  ) {
    this.targets = resolveAliases(doc.contents as YamlNode);
  }

  private created(): void {
    if (this.expandingFrom === undefined) return;
    this.aliasNodes += 1;
    if (this.aliasNodes > MAX_YAML_ALIAS_NODES) {
      throw new LimitReached({
        ...this.expandingFrom,
        message: `YAML aliases here expand to more than ${MAX_YAML_ALIAS_NODES} nodes; a Dispatchfile may add at most ${MAX_YAML_ALIAS_NODES} nodes by expanding aliases (write the values out)`,
      });
    }
  }

  /** `depth`: how many structs and lists enclose the node, itself included if it is one. */
  convert(node: YamlNode, depth: number): Node | undefined {
    const pos = this.at(node.range?.[0]);
    if (isAlias(node)) return this.alias(node, pos, depth);
    if (isMap(node) || isSeq(node)) {
      if (depth > MAX_NESTING_DEPTH) throw new LimitReached({ ...pos, message: TOO_DEEP });
    }
    this.created();
    if (isMap(node)) {
      const fields = new Map<string, Field>();
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyPos = this.at(keyNode?.range?.[0] ?? node.range?.[0]);
        if (!isScalar(keyNode) || typeof keyNode.value === 'object') {
          this.problems.push({
            ...keyPos,
            message: 'a key must be a plain string; complex YAML keys are not supported',
          });
          continue;
        }
        if (keyNode.value === '<<') {
          this.problems.push({ ...keyPos, message: 'YAML merge keys (`<<`) are not supported; write the fields out' });
          continue;
        }
        const key = String(keyNode.value);
        const first = fields.get(key);
        if (first) {
          this.problems.push({
            ...keyPos,
            message: `YAML: the key ${JSON.stringify(key)} is given twice in this map (first at ${first.keyPos.line}:${first.keyPos.col}); map keys must be unique, keep one`,
          });
          continue;
        }
        const valueNode = pair.value as YamlNode | null;
        const value = valueNode ? this.convert(valueNode, depth + 1) : ({ kind: 'null', ...keyPos } as Node);
        if (value) fields.set(key, { key, keyPos, value });
      }
      return { kind: 'struct', fields, ...pos };
    }
    if (isSeq(node)) {
      const items: Node[] = [];
      for (const item of node.items) {
        const converted = item ? this.convert(item as YamlNode, depth + 1) : undefined;
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
      this.problems.push({
        ...pos,
        message: `unsupported YAML value ${String(node.source ?? v)}; use a string, number or boolean`,
      });
      return undefined;
    }
    this.problems.push({ ...pos, message: 'unsupported YAML node' });
    return undefined;
  }

  private alias(node: YamlNode, pos: Pos, depth: number): Node | undefined {
    const target = this.targets.get(node);
    if (!target) return undefined;
    const name = isAlias(node) ? node.source : '';
    if (this.expanding.has(target)) {
      throw new LimitReached({
        ...pos,
        message: `YAML alias *${name} is inside the node anchored &${name}, so it would expand forever; write the value out`,
      });
    }
    this.aliasExpansions += 1;
    if (this.aliasExpansions > MAX_YAML_ALIAS_EXPANSIONS) {
      throw new LimitReached({
        ...(this.expandingFrom ?? pos),
        message:
          `YAML aliases here are expanded more than ${MAX_YAML_ALIAS_EXPANSIONS} times (an alias inside an anchor counts each ` +
          `time the anchor is expanded); a Dispatchfile may expand at most ${MAX_YAML_ALIAS_EXPANSIONS} (write the values out)`,
      });
    }
    const outermost = this.expandingFrom === undefined;
    if (outermost) this.expandingFrom = pos;
    this.expanding.add(target);
    try {
      return this.convert(target, depth);
    } finally {
      this.expanding.delete(target);
      if (outermost) this.expandingFrom = undefined;
    }
  }
}

/**
 * What yaml's Alias.resolve computes, for every alias in one walk (resolve walks the whole
 * document on each call): the last node anchored with the alias's name before it, in document
 * order, its own ancestors included.
 */
function resolveAliases(root: YamlNode | null): Map<YamlNode, YamlNode> {
  const targets = new Map<YamlNode, YamlNode>();
  const anchors = new Map<string, YamlNode>();
  const stack: unknown[] = root ? [root] : [];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isPair(item)) {
      if (item.value) stack.push(item.value);
      if (item.key) stack.push(item.key);
      continue;
    }
    if (isAlias(item)) {
      const target = anchors.get(item.source);
      if (target) targets.set(item, target);
      continue;
    }
    if (!isScalar(item) && !isMap(item) && !isSeq(item)) continue;
    if (item.anchor) anchors.set(item.anchor, item);
    if (isMap(item) || isSeq(item)) {
      for (let k = item.items.length - 1; k >= 0; k -= 1) stack.push(item.items[k]);
    }
  }
  return targets;
}
