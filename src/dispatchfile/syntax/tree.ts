/**
 * The positioned value tree every syntax (CUE subset, YAML, JSON) is read into. The normaliser
 * turns it into the model, so positions and error wording are the same for all three syntaxes.
 */
export interface Pos {
  line: number;
  col: number;
}

export interface Field {
  key: string;
  keyPos: Pos;
  value: Node;
}

export type Node =
  | ({ kind: 'struct'; fields: Map<string, Field> } & Pos)
  | ({ kind: 'list'; items: Node[] } & Pos)
  | ({ kind: 'string'; value: string } & Pos)
  | ({ kind: 'number'; value: number; text: string } & Pos)
  | ({ kind: 'bool'; value: boolean } & Pos)
  | ({ kind: 'null' } & Pos);

export type StructNode = Extract<Node, { kind: 'struct' }>;

export function describeKind(node: Node): string {
  switch (node.kind) {
    case 'struct':
      return 'a struct';
    case 'list':
      return 'a list';
    case 'string':
      return `the string ${JSON.stringify(node.value)}`;
    case 'number':
      return `the number ${node.text}`;
    case 'bool':
      return `the boolean ${String(node.value)}`;
    case 'null':
      return 'null';
  }
}
