import type { Dispatchfile, Step, Task } from './model.js';

export type TaskKind = 'image' | 'gitops' | 'external';

const GITOPS_IMAGE = /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:mesosphere|dispatchd)\/update-gitops-repo(?::[\w][\w.-]*)?(?:@sha256:[0-9a-f]{64})?$/;

/** `mesosphere/update-gitops-repo:*` or `dispatchd/update-gitops-repo:*`, tag optional. */
export function isGitopsImage(image: string): boolean {
  return GITOPS_IMAGE.test(image);
}

export function gitopsStep(task: Task): Step | undefined {
  return task.steps.find((s) => isGitopsImage(s.image));
}

/**
 * An `image` output makes an image-reference task whatever its steps (the team's CI builds the
 * image; dispatchd resolves it); else an update-gitops-repo step makes a GitOps task; anything
 * else is left to the team's CI.
 */
export function taskKind(df: Dispatchfile, task: Task): TaskKind {
  if (task.outputs.some((o) => df.resources[o]?.type === 'image')) return 'image';
  if (gitopsStep(task)) return 'gitops';
  return 'external';
}

/** Which task outputs each resource (the first, when several do; validation reports that). */
export function producers(df: Dispatchfile): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, task] of Object.entries(df.tasks)) {
    for (const o of task.outputs) if (!out.has(o)) out.set(o, name);
  }
  return out;
}

/** Tasks this task waits for: inputs naming a task, and inputs another task outputs. */
export function dependencies(df: Dispatchfile, name: string, made = producers(df)): string[] {
  const task = df.tasks[name];
  if (!task) return [];
  const deps: string[] = [];
  for (const input of task.inputs) {
    if (Object.hasOwn(df.tasks, input) && input !== name && !deps.includes(input)) deps.push(input);
    const producer = made.get(input);
    if (producer !== undefined && producer !== name && !deps.includes(producer)) deps.push(producer);
  }
  return deps;
}

/** One dependency cycle as task names (first repeated at the end), or undefined. */
export function findCycle(df: Dispatchfile): string[] | undefined {
  const made = producers(df);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of dependencies(df, name, made)) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(df.tasks)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}
