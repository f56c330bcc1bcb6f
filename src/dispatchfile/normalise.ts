import type { Problem } from './errors.js';
import type { Dispatchfile, Resource, ResourceType, SourcePosition, Step, Task } from './model.js';
import { readActions } from './normalise-actions.js';
import {
  asScalarText,
  asString,
  asStringList,
  asStruct,
  checkFields,
  problem,
  type ReadContext,
} from './node-readers.js';
import type { Node, StructNode } from './syntax/tree.js';

const RESOURCE_TYPES: readonly ResourceType[] = ['git', 'image', 'storage'];
const STEP_FIELDS = ['name', 'image', 'args', 'command', 'env', 'workingDir'] as const;
/** Kubernetes container fields Dispatch accepted; dispatchd never runs steps, so they are dropped. */
const STEP_IGNORED = [
  'resources',
  'securityContext',
  'volumeMounts',
  'imagePullPolicy',
  'ports',
  'envFrom',
  'script',
  'stdin',
  'tty',
  'livenessProbe',
  'readinessProbe',
];
const TOP_HINTS: Record<string, string> = { resources: 'resource', tasks: 'task', action: 'actions' };

/** Turns the positioned tree of any syntax into the model, collecting every problem found. */
export function normalise(tree: Node): { df: Dispatchfile; problems: Problem[] } {
  const ctx: ReadContext = { problems: [], locations: {} };
  const df: Dispatchfile = { resources: {}, tasks: {}, actions: [] };
  const top = asStruct(ctx, tree, 'a Dispatchfile');
  if (top) {
    for (const field of top.fields.values()) {
      if (field.key === 'resource')
        readNamed(ctx, field.value, 'resource', (name, node, at) => readResource(ctx, name, node, at, df));
      else if (field.key === 'task')
        readNamed(ctx, field.value, 'task', (name, node, at) => readTask(ctx, name, node, at, df));
      else if (field.key === 'actions') df.actions = readActions(ctx, field.value);
      else {
        const hint = TOP_HINTS[field.key];
        problem(
          ctx,
          field.keyPos,
          `unknown top-level field \`${field.key}\`; ${hint ? `did you mean \`${hint}\`? ` : ''}a Dispatchfile has \`resource\`, \`task\` and \`actions\``,
        );
      }
    }
  }
  Object.defineProperty(df, 'locations', { value: ctx.locations, enumerable: false });
  return { df, problems: ctx.problems };
}

function readNamed(
  ctx: ReadContext,
  node: Node,
  kind: string,
  each: (name: string, node: Node, at: SourcePosition) => void,
): void {
  const group = asStruct(ctx, node, `\`${kind}\` (name → definition)`);
  if (!group) return;
  for (const field of group.fields.values()) {
    if (field.key === '') problem(ctx, field.keyPos, `a ${kind} needs a non-empty name`);
    else each(field.key, field.value, field.keyPos);
  }
}

function readResource(ctx: ReadContext, name: string, node: Node, at: SourcePosition, df: Dispatchfile): void {
  const what = `resource "${name}"`;
  const struct = asStruct(ctx, node, what);
  if (!struct) return;
  ctx.locations[`resource.${name}`] = pos(at);
  const resource: Resource = { type: 'git', params: {} };
  let typed = false;
  let known = false;
  for (const field of checkFields(ctx, struct, what, ['type', 'param', 'params'])) {
    if (field.key === 'type') {
      const t = asString(ctx, field.value, `\`type\` of ${what}`);
      if (t === undefined) continue;
      if ((RESOURCE_TYPES as readonly string[]).includes(t)) {
        resource.type = t as ResourceType;
        typed = true;
        known = true;
      } else {
        problem(ctx, field.value, `unknown type ${JSON.stringify(t)} of ${what}; use one of "git", "image", "storage"`);
        typed = true;
      }
    } else {
      const params = asStruct(ctx, field.value, `\`${field.key}\` of ${what}`);
      if (!params) continue;
      for (const p of params.fields.values()) {
        const v = asScalarText(ctx, p.value, `param \`${p.key}\` of ${what}`);
        if (v === undefined) continue;
        if (p.key in resource.params && resource.params[p.key] !== v) {
          problem(ctx, p.keyPos, `param \`${p.key}\` of ${what} is given twice with different values; keep one`);
        }
        resource.params[p.key] = v;
        ctx.locations[`resource.${name}.params.${p.key}`] = pos(p.value);
      }
    }
  }
  // Only a known type is checked, so a typo in `type` is one problem, not two.
  if (known && resource.type !== 'storage' && resource.params['url'] === undefined) {
    problem(ctx, at, `${resource.type} resource "${name}" has no \`url\` param; add param url: "…"`);
  }
  if (!typed) problem(ctx, at, `${what} has no \`type\`; add type: "git", "image" or "storage"`);
  df.resources[name] = resource;
}

function readTask(ctx: ReadContext, name: string, node: Node, at: SourcePosition, df: Dispatchfile): void {
  const what = `task "${name}"`;
  const struct = asStruct(ctx, node, what);
  if (!struct) return;
  const path = `task.${name}`;
  ctx.locations[path] = pos(at);
  const task: Task = { inputs: [], outputs: [], steps: [] };
  const seen = new Set<string>();
  for (const field of checkFields(ctx, struct, what, ['inputs', 'outputs', 'deps', 'steps'], ['volumes', 'timeout'])) {
    if (field.key === 'steps') task.steps = readSteps(ctx, field.value, what, path);
    else if (field.key === 'outputs')
      task.outputs = asStringList(ctx, field.value, `\`outputs\` of ${what}`, `${path}.outputs`) ?? [];
    else {
      // `deps` (Dispatch's task dependencies) folds into inputs: the model's inputs name
      // resources or tasks, and a task named there is waited for.
      const tmp: ReadContext = { problems: ctx.problems, locations: {} };
      const list = asStringList(tmp, field.value, `\`${field.key}\` of ${what}`, 'x') ?? [];
      list.forEach((item, i) => {
        if (seen.has(item)) return;
        seen.add(item);
        const at = tmp.locations[`x.${i}`];
        if (at) ctx.locations[`${path}.inputs.${task.inputs.length}`] = at;
        task.inputs.push(item);
      });
    }
  }
  df.tasks[name] = task;
}

function readSteps(ctx: ReadContext, node: Node, what: string, path: string): Step[] {
  if (node.kind !== 'list') {
    problem(ctx, node, `\`steps\` of ${what} must be a list of steps ([{name, image, …}])`);
    return [];
  }
  const steps: Step[] = [];
  node.items.forEach((item, i) => {
    const stepWhat = `step ${i + 1} of ${what}`;
    const struct = asStruct(ctx, item, stepWhat);
    if (!struct) return;
    // The step's strings are located under `step.` until the step is known to be kept.
    const own: ReadContext = { problems: ctx.problems, locations: {} };
    const step = readStep(own, struct, stepWhat);
    if (!step) return;
    const at = `${path}.steps.${steps.length}`;
    ctx.locations[at] = pos(struct);
    for (const [key, where] of Object.entries(own.locations))
      ctx.locations[`${at}.${key.slice('step.'.length)}`] = where;
    steps.push(step);
  });
  return steps;
}

/**
 * One step. Where each string was written goes to ctx.locations under `step.image`,
 * `step.workingDir`, `step.args.N`, `step.command.N` and `step.env.NAME`, so a problem inside an
 * argument (an unknown variable) points at that argument, not at the step.
 */
function readStep(ctx: ReadContext, struct: StructNode, what: string): Step | undefined {
  const step: Step = { name: '', image: '', args: [], command: [], env: {} };
  for (const field of checkFields(ctx, struct, what, STEP_FIELDS, STEP_IGNORED)) {
    const label = `\`${field.key}\` of ${what}`;
    if (field.key === 'name') step.name = asString(ctx, field.value, label) ?? '';
    else if (field.key === 'image') {
      step.image = asString(ctx, field.value, label) ?? '';
      ctx.locations['step.image'] = pos(field.value);
    } else if (field.key === 'workingDir') {
      const dir = asString(ctx, field.value, label);
      if (dir !== undefined) {
        step.workingDir = dir;
        ctx.locations['step.workingDir'] = pos(field.value);
      }
    } else if (field.key === 'args') step.args = asStringList(ctx, field.value, label, 'step.args') ?? [];
    else if (field.key === 'command') step.command = asStringList(ctx, field.value, label, 'step.command') ?? [];
    else step.env = readEnv(ctx, field.value, label);
  }
  let ok = true;
  for (const key of ['name', 'image'] as const) {
    if (step[key] === '' && !struct.fields.has(key)) {
      problem(ctx, struct, `${what} has no \`${key}\`; every step needs a name and an image`);
      ok = false;
    }
  }
  return ok ? step : undefined;
}

/** `env` as a map, or as Kubernetes' list of {name, value} (what Dispatch steps used). */
function readEnv(ctx: ReadContext, node: Node, what: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (node.kind === 'struct') {
    for (const f of node.fields.values()) {
      const v = asScalarText(ctx, f.value, `\`${f.key}\` in ${what}`);
      if (v === undefined) continue;
      env[f.key] = v;
      ctx.locations[`step.env.${f.key}`] = pos(f.value);
    }
    return env;
  }
  if (node.kind === 'list') {
    node.items.forEach((item, i) => {
      const entry = asStruct(ctx, item, `entry ${i + 1} of ${what}`);
      if (!entry) return;
      checkFields(ctx, entry, `entry ${i + 1} of ${what}`, ['name', 'value']);
      const nameNode = entry.fields.get('name')?.value;
      const valueNode = entry.fields.get('value')?.value;
      const name = nameNode ? asString(ctx, nameNode, `\`name\` of entry ${i + 1} of ${what}`) : undefined;
      if (!nameNode) problem(ctx, entry, `entry ${i + 1} of ${what} has no \`name\``);
      const value = valueNode ? asScalarText(ctx, valueNode, `\`value\` of entry ${i + 1} of ${what}`) : '';
      if (name === undefined || value === undefined) return;
      env[name] = value;
      ctx.locations[`step.env.${name}`] = pos(valueNode ?? entry);
    });
    return env;
  }
  problem(ctx, node, `${what} must be a map of name → value or a list of {name, value}`);
  return env;
}

function pos(p: SourcePosition): SourcePosition {
  return { line: p.line, col: p.col };
}
