import type { Problem } from './errors.js';
import type { SourcePosition } from './model.js';
import { describeKind, type Field, type Node, type StructNode } from './syntax/tree.js';

/**
 * What the normaliser carries while it walks the tree: the problems found so far and where each
 * named part of the model was written.
 */
export interface ReadContext {
  problems: Problem[];
  locations: Record<string, SourcePosition>;
}

export function problem(ctx: ReadContext, at: SourcePosition, message: string): void {
  ctx.problems.push({ line: at.line, col: at.col, message });
}

export function asStruct(ctx: ReadContext, node: Node, what: string): StructNode | undefined {
  if (node.kind === 'struct') return node;
  problem(ctx, node, `${what} must be a struct ({…}), found ${describeKind(node)}`);
  return undefined;
}

export function asString(ctx: ReadContext, node: Node, what: string): string | undefined {
  if (node.kind === 'string') return node.value;
  problem(ctx, node, `${what} must be a string, found ${describeKind(node)}`);
  return undefined;
}

/** Parameter and env values: numbers and booleans are written as their text, as YAML users expect. */
export function asScalarText(ctx: ReadContext, node: Node, what: string): string | undefined {
  if (node.kind === 'string') return node.value;
  if (node.kind === 'number') return node.text;
  if (node.kind === 'bool') return String(node.value);
  problem(ctx, node, `${what} must be a string, found ${describeKind(node)}`);
  return undefined;
}

/** A list of strings; each element's position is recorded under `${path}.${index}`. */
export function asStringList(ctx: ReadContext, node: Node, what: string, path?: string): string[] | undefined {
  if (node.kind !== 'list') {
    problem(ctx, node, `${what} must be a list of strings ([…]), found ${describeKind(node)}`);
    return undefined;
  }
  const out: string[] = [];
  node.items.forEach((item, i) => {
    const s = asString(ctx, item, `element ${i + 1} of ${what}`);
    if (s === undefined) return;
    if (path) ctx.locations[`${path}.${out.length}`] = { line: item.line, col: item.col };
    out.push(s);
  });
  return out;
}

/**
 * Reports every field not in `known` (typos such as `brances` must not silently match every
 * branch). `ignored` fields are accepted and dropped: Kubernetes container settings that only
 * matter to a CI that runs the step.
 */
export function checkFields(
  ctx: ReadContext,
  node: StructNode,
  what: string,
  known: readonly string[],
  ignored: readonly string[] = [],
): Field[] {
  const out: Field[] = [];
  for (const field of node.fields.values()) {
    if (known.includes(field.key)) out.push(field);
    else if (!ignored.includes(field.key)) {
      problem(
        ctx,
        field.keyPos,
        `unknown field \`${field.key}\` in ${what}; expected one of ${known.map((k) => `\`${k}\``).join(', ')}`,
      );
    }
  }
  return out;
}

export function fieldOf(node: StructNode, key: string): Field | undefined {
  return node.fields.get(key);
}
