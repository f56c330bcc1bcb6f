import type { Problem } from './errors.js';
import { gitopsStep } from './graph.js';
import type { Dispatchfile, Task } from './model.js';
import { findVariables, parseVariable } from './variables.js';
import type { Locate } from './validate.js';

/**
 * The variables of a task dispatchd runs (image or GitOps) must resolve. Tasks left to CI may
 * use Tekton's own variables, so they are not checked here. A problem is reported at the string
 * that holds the variable (the argument, command word, env value, workingDir or param). The
 * params of a resource are checked once, however many tasks use it (`checked` remembers them):
 * a hostile file must not make the work tasks × params.
 */
export function checkTaskVariables(
  df: Dispatchfile,
  name: string,
  task: Task,
  at: Locate,
  checked = new Set<string>(),
): Problem[] {
  const problems: Problem[] = [];
  task.steps.forEach((step, i) => {
    const base = `task.${name}.steps.${i}`;
    const texts: [string, string][] = [
      ...step.args.map((a, j): [string, string] => [a, `${base}.args.${j}`]),
      ...step.command.map((c, j): [string, string] => [c, `${base}.command.${j}`]),
      ...Object.entries(step.env).map(([k, v]): [string, string] => [v, `${base}.env.${k}`]),
      [step.workingDir ?? '', `${base}.workingDir`],
    ];
    for (const [text, path] of texts) {
      for (const v of findVariables(text)) {
        const message = variableProblem(df, v.name);
        if (message)
          problems.push({ ...at(path, base), message: `${message} (step "${step.name}" of task "${name}")` });
      }
    }
  });
  for (const resource of [...task.inputs, ...task.outputs]) {
    if (checked.has(resource)) continue;
    checked.add(resource);
    const params = Object.hasOwn(df.resources, resource) ? df.resources[resource]?.params : undefined;
    for (const [param, value] of Object.entries(params ?? {})) {
      for (const v of findVariables(value)) {
        const message = variableProblem(df, v.name);
        const where = at(`resource.${resource}.params.${param}`, `resource.${resource}`);
        if (message) problems.push({ ...where, message: `${message} (param "${param}" of resource "${resource}")` });
      }
    }
  }
  return dedupe(problems);
}

function variableProblem(df: Dispatchfile, name: string): string | undefined {
  const v = parseVariable(name);
  if (v.kind === 'context') return undefined;
  if (v.kind === 'unknown') {
    return `unknown variable $(${name}); use $(context.git.commit|branch|tag|url), $(context.build.name) or $(inputs|outputs.resources.NAME.PARAM)`;
  }
  const resource = Object.hasOwn(df.resources, v.resource) ? df.resources[v.resource] : undefined;
  if (!resource) return `$(${name}) names resource "${v.resource}", which is not defined`;
  if (Object.hasOwn(resource.params, v.param)) return undefined;
  if (resource.type === 'image' && v.param === 'digest') return undefined;
  const known = [...Object.keys(resource.params), ...(resource.type === 'image' ? ['digest'] : [])];
  return `$(${name}): resource "${v.resource}" has no param "${v.param}" (it has ${known.map((k) => `"${k}"`).join(', ') || 'none'})`;
}

/**
 * An image url with no commit- or tag-derived part names a tag that moves; unless a GitOps
 * step pins it by `.digest`, the GitOps repo would point at whatever the tag holds later.
 */
export function imageUrlWarnings(df: Dispatchfile, at: Locate): Problem[] {
  const warnings: Problem[] = [];
  // The resources some GitOps step pins by `$(inputs|outputs.resources.NAME.digest)`, found once
  // (not once per image resource: that would be resources × tasks × args).
  const pinned = new Set<string>();
  for (const task of Object.values(df.tasks)) {
    for (const arg of gitopsStep(task)?.args ?? []) {
      for (const v of findVariables(arg)) {
        const parsed = parseVariable(v.name);
        if (parsed.kind === 'resource' && parsed.param === 'digest') pinned.add(parsed.resource);
      }
    }
  }
  for (const [name, resource] of Object.entries(df.resources)) {
    const url = resource.params['url'];
    if (resource.type !== 'image' || url === undefined) continue;
    if (/\$\(context\.git\.(commit|tag)\)|@sha256:/.test(url)) continue;
    if (pinned.has(name)) continue;
    warnings.push({
      ...at(`resource.${name}.params.url`, `resource.${name}`),
      message:
        `image resource "${name}" url ${JSON.stringify(url)} has no $(context.git.commit) or $(context.git.tag): the ` +
        `tag is mutable; pin by digest with $(inputs.resources.${name}.digest) in the GitOps step, or tag by commit`,
    });
  }
  return warnings;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
