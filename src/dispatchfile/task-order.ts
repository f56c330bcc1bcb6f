import { PermanentError } from '../core/errors.js';
import { dependencies, producers, taskKind } from './graph.js';
import type { Dispatchfile, Task } from './model.js';

export interface PlannedTask {
  name: string;
  kind: 'image' | 'gitops' | 'external';
  /** Direct dependencies, all of them earlier in the plan. */
  dependsOn: string[];
  task: Task;
  /** For `external` tasks: what the commit status says, e.g. "left to your CI: step test (golang:1.13)". */
  externalReason?: string;
}

/**
 * The closure of the named tasks, each once, in dependency order (image tasks before the tasks
 * that take their outputs). Ties keep the order the names and inputs were written in. Depth-first
 * with an explicit stack, so a long chain of tasks cannot overflow the call stack.
 */
export function planTasks(df: Dispatchfile, taskNames: string[]): PlannedTask[] {
  const made = producers(df);
  const plan: PlannedTask[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: { name: string; task: Task; dependsOn: string[]; next: number }[] = [];
  const enter = (name: string): void => {
    if (state.get(name) === 'done') return;
    const task = df.tasks[name];
    const path = (): string[] => stack.map((f) => f.name);
    if (!task || !Object.hasOwn(df.tasks, name)) {
      const via = stack.length > 0 ? ` (needed by ${path().join(' → ')})` : '';
      throw new PermanentError(
        'dispatchfile_invalid',
        `task "${name}"${via} is not defined in the Dispatchfile; define it or remove it from the action`,
      );
    }
    if (state.get(name) === 'visiting') {
      throw new PermanentError(
        'dispatchfile_invalid',
        `tasks depend on each other in a cycle: ${[...path().slice(path().indexOf(name)), name].join(' → ')}; remove one of those inputs`,
      );
    }
    state.set(name, 'visiting');
    stack.push({ name, task, dependsOn: dependencies(df, name, made), next: 0 });
  };
  for (const root of taskNames) {
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      const dep = frame.dependsOn[frame.next];
      if (dep !== undefined) {
        frame.next += 1;
        enter(dep);
        continue;
      }
      stack.pop();
      state.set(frame.name, 'done');
      const kind = taskKind(df, frame.task);
      const planned: PlannedTask = { name: frame.name, kind, dependsOn: frame.dependsOn, task: frame.task };
      if (kind === 'external') planned.externalReason = externalReason(frame.task);
      plan.push(planned);
    }
  }
  return plan;
}

function externalReason(task: Task): string {
  if (task.steps.length === 0) return 'left to your CI: a task with no steps';
  const steps = task.steps.map((s) => `${s.name} (${s.image})`).join(', ');
  return `left to your CI: step${task.steps.length > 1 ? 's' : ''} ${steps}`;
}
