/** The parse tree of a Go template, as text/template/parse builds it (the parts we execute). */

export type Operand =
  | { kind: 'dot' }
  | { kind: 'field'; names: string[] }
  | { kind: 'variable'; name: string; names: string[] }
  | { kind: 'identifier'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: bigint | number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'pipe'; pipe: Pipeline; names: string[] };

export interface Command {
  args: Operand[];
  line: number;
}

export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`) by the pipeline. */
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  line: number;
  /** The source of the action, for error messages: `.a | printf "%q"`. */
  source: string;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline; line: number }
  | Control
  | { kind: 'break' | 'continue'; line: number }
  | { kind: 'template'; name: string; pipe: Pipeline | null; line: number };

/** if, with and range: a pipeline, a body and an optional else branch. */
export interface Control {
  kind: 'if' | 'with' | 'range';
  pipe: Pipeline;
  list: Node[];
  elseList: Node[] | null;
  line: number;
}

export interface Tree {
  root: Node[];
  /** Templates named by `define` or `block`. */
  defines: Map<string, Node[]>;
}
