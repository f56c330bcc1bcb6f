import type { Dispatchfile, Step, Task } from './model.js';

export type TaskKind = 'image' | 'gitops' | 'external';

const GITOPS_IMAGE =
  /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:mesosphere|dispatchd)\/update-gitops-repo(?::[\w][\w.-]*)?(?:@sha256:[0-9a-f]{64})?$/;

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
  const seen = new Set<string>();
  const add = (dep: string): void => {
    if (dep === name || seen.has(dep)) return;
    seen.add(dep);
    deps.push(dep);
  };
  for (const input of task.inputs) {
    if (Object.hasOwn(df.tasks, input)) add(input);
    const producer = made.get(input);
    if (producer !== undefined) add(producer);
  }
  return deps;
}

/**
 * One dependency cycle as task names (first repeated at the end), or undefined. Depth-first with
 * an explicit stack: a chain of thousands of tasks must not overflow the call stack.
 */
export function findCycle(df: Dispatchfile): string[] | undefined {
  const made = producers(df);
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of Object.keys(df.tasks)) {
    if (state.has(root)) continue;
    state.set(root, 'visiting');
    const stack: { name: string; deps: string[]; next: number }[] = [
      { name: root, deps: dependencies(df, root, made), next: 0 },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      const dep = frame.deps[frame.next];
      if (dep === undefined) {
        state.set(frame.name, 'done');
        stack.pop();
        continue;
      }
      frame.next += 1;
      const seen = state.get(dep);
      if (seen === 'done') continue;
      if (seen === 'visiting') {
        const names = stack.map((f) => f.name);
        return [...names.slice(names.indexOf(dep)), dep];
      }
      state.set(dep, 'visiting');
      stack.push({ name: dep, deps: dependencies(df, dep, made), next: 0 });
    }
  }
  return undefined;
}
