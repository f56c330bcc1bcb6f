import { GoTemplateError } from './error.js';
import { callFunction, isFunction } from './funcs.js';
import { sprint } from './fmt.js';
import type { Command, Control, Node, Operand, Pipeline, Tree } from './nodes.js';
import { isMap, isTrue, typeName, type Value } from './value.js';

class Break {}
class Continue {}

// A template calling itself without end would never return; Go limits recursion the same way.
const MAX_TEMPLATE_DEPTH = 100;

interface State {
  tree: Tree;
  out: string[];
  vars: { name: string; value: Value }[];
  depth: number;
}

/** Executes a parsed template against update-gitops-repo's data: the map of -substitute values. */
export function execute(tree: Tree, data: ReadonlyMap<string, string>): string {
  const state: State = { tree, out: [], vars: [{ name: '$', value: data }], depth: 0 };
  walkList(state, data, tree.root);
  return state.out.join('');
}

function walkList(s: State, dot: Value, list: Node[]): void {
  for (const node of list) walk(s, dot, node);
}

function walk(s: State, dot: Value, node: Node): void {
  switch (node.kind) {
    case 'text':
      s.out.push(node.text);
      return;
    case 'action': {
      const value = evalPipeline(s, dot, node.pipe);
      // An action that declares or assigns a variable prints nothing.
      if (node.pipe.decl.length === 0) s.out.push(printed(value));
      return;
    }
    case 'if':
    case 'with': {
      const mark = s.vars.length;
      const value = evalPipeline(s, dot, node.pipe);
      if (isTrue(value)) walkList(s, node.kind === 'with' ? value : dot, node.list);
      else if (node.elseList) walkList(s, dot, node.elseList);
      s.vars.length = mark;
      return;
    }
    case 'range':
      return walkRange(s, dot, node);
    case 'break':
      throw new Break();
    case 'continue':
      throw new Continue();
    case 'template': {
      const body = s.tree.defines.get(node.name);
      if (body === undefined) throw new GoTemplateError(node.line, `no such template "${node.name}"`);
      if (s.depth >= MAX_TEMPLATE_DEPTH)
        throw new GoTemplateError(node.line, `exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
      const value = node.pipe ? evalPipeline(s, dot, node.pipe) : null;
      // A template call starts a fresh variable scope holding only $ (its dot).
      const inner: State = { ...s, vars: [{ name: '$', value }], depth: s.depth + 1 };
      walkList(inner, value, body);
      return;
    }
  }
}

function walkRange(s: State, dot: Value, node: Control): void {
  const mark = s.vars.length;
  const value = evalPipeline(s, dot, node.pipe);
  s.vars.length = mark;
  let entries: [Value, Value][];
  if (value === null) entries = [];
  else if (isMap(value)) entries = [...value.keys()].sort().map((k) => [k, value.get(k) ?? '']);
  else if (Array.isArray(value)) entries = value.map((v, i) => [BigInt(i), v]);
  else if (typeof value === 'bigint')
    entries = Array.from({ length: Number(value < 0n ? 0n : value) }, (_, i) => [BigInt(i), BigInt(i)]);
  else throw new GoTemplateError(node.line, `range can't iterate over ${printed(value)}`);
  if (entries.length === 0) {
    if (node.elseList) walkList(s, dot, node.elseList);
    return;
  }
  for (const [key, elem] of entries) {
    const [first, second] = node.pipe.decl;
    // One variable gets the element; two get key (or index) and element.
    if (first !== undefined) setVar(s, first, second === undefined ? elem : key, !node.pipe.isAssign, node.line);
    if (second !== undefined) setVar(s, second, elem, !node.pipe.isAssign, node.line);
    try {
      walkList(s, elem, node.list);
    } catch (err) {
      if (err instanceof Break) break;
      if (!(err instanceof Continue)) throw err;
    } finally {
      s.vars.length = mark;
    }
  }
  s.vars.length = mark;
}

function setVar(s: State, name: string, value: Value, declare: boolean, line: number): void {
  if (declare) {
    s.vars.push({ name, value });
    return;
  }
  for (let i = s.vars.length - 1; i >= 0; i -= 1) {
    if (s.vars[i]!.name === name) {
      s.vars[i]!.value = value;
      return;
    }
  }
  throw new GoTemplateError(line, `undefined variable: ${name}`);
}

function lookupVar(s: State, name: string, line: number): Value {
  for (let i = s.vars.length - 1; i >= 0; i -= 1) if (s.vars[i]!.name === name) return s.vars[i]!.value;
  throw new GoTemplateError(line, `undefined variable: ${name}`);
}

function evalPipeline(s: State, dot: Value, pipe: Pipeline): Value {
  let value: Value | undefined;
  for (const cmd of pipe.cmds) value = evalCommand(s, dot, cmd, value);
  const result = value ?? null;
  for (const name of pipe.decl.length === 1 ? pipe.decl : []) setVar(s, name, result, !pipe.isAssign, pipe.line);
  return result;
}

function evalCommand(s: State, dot: Value, cmd: Command, final: Value | undefined): Value {
  const [first, ...rest] = cmd.args;
  if (first === undefined) throw new GoTemplateError(cmd.line, 'empty command');
  if (first.kind === 'identifier') {
    if (!isFunction(first.name)) throw new GoTemplateError(cmd.line, `function "${first.name}" not defined`);
    // Arguments are evaluated lazily so "and" and "or" can stop early, as in Go 1.18+.
    const args = rest.map((a) => () => evalArg(s, dot, a, cmd.line));
    if (final !== undefined) args.push(() => final);
    return callFunction(first.name, args, cmd.line);
  }
  if (rest.length > 0 || final !== undefined) {
    const what = first.kind === 'field' ? `.${first.names.join('.')}` : describe(first);
    throw new GoTemplateError(cmd.line, `can't give argument to non-function ${what}`);
  }
  return evalArg(s, dot, first, cmd.line);
}

function describe(op: Operand): string {
  switch (op.kind) {
    case 'string':
      return JSON.stringify(op.value);
    case 'number':
      return String(op.value);
    case 'bool':
      return String(op.value);
    default:
      return op.kind;
  }
}

function evalArg(s: State, dot: Value, op: Operand, line: number): Value {
  switch (op.kind) {
    case 'dot':
      return dot;
    case 'field':
      return fieldChain(dot, op.names, line);
    case 'variable':
      return fieldChain(lookupVar(s, op.name, line), op.names, line);
    case 'string':
      return op.value;
    case 'number':
      return op.value;
    case 'bool':
      return op.value;
    case 'nil':
      return null;
    case 'identifier':
      if (!isFunction(op.name)) throw new GoTemplateError(line, `function "${op.name}" not defined`);
      return callFunction(op.name, [], line);
    case 'pipe':
      return fieldChain(evalPipeline(s, dot, op.pipe), op.names, line);
  }
}

/**
 * `.a.b`: each name looks up a key of a map. A missing key is an error naming it (update-gitops-repo
 * printed "" for it; a silent empty image is worse than a failed update).
 */
function fieldChain(receiver: Value, names: string[], line: number): Value {
  let value = receiver;
  for (const name of names) {
    if (isMap(value)) {
      const found = value.get(name);
      if (found === undefined) throw new GoTemplateError(line, `map has no entry for key "${name}"`, name);
      value = found;
    } else if (value === null) {
      throw new GoTemplateError(line, `nil pointer evaluating interface {}.${name}`);
    } else {
      throw new GoTemplateError(line, `can't evaluate field ${name} in type ${typeName(value)}`);
    }
  }
  return value;
}

/** How an action prints its value (fmt.Fprint, with nil as "<no value>"). */
function printed(value: Value): string {
  return value === null ? '<no value>' : sprint([value]);
}
