import type { Field, Node, StructNode } from './tree.js';
import { CueSyntaxError } from './cue-lexer.js';

/**
 * CUE unifies a label given twice: structs merge field by field (two `param` lines make one
 * params struct), equal values are one value, different values are an error.
 */
export function mergeField(into: StructNode, field: Field): void {
  const existing = into.fields.get(field.key);
  if (!existing) {
    into.fields.set(field.key, field);
    return;
  }
  if (existing.value.kind === 'struct' && field.value.kind === 'struct') {
    for (const f of field.value.fields.values()) mergeField(existing.value, f);
    return;
  }
  if (sameValue(existing.value, field.value)) return;
  throw new CueSyntaxError(
    field.keyPos.line,
    field.keyPos.col,
    `\`${field.key}\` is given twice with different values (first at ${existing.keyPos.line}:${existing.keyPos.col}); CUE unifies equal values only, keep one`,
  );
}

function sameValue(a: Node, b: Node): boolean {
  switch (a.kind) {
    case 'string':
    case 'bool':
      return b.kind === a.kind && b.value === a.value;
    case 'number':
      return b.kind === 'number' && b.value === a.value;
    case 'null':
      return b.kind === 'null';
    case 'list':
      return (
        b.kind === 'list' &&
        a.items.length === b.items.length &&
        a.items.every((x, i) => sameValue(x, b.items[i] as Node))
      );
    case 'struct':
      return false;
  }
}
