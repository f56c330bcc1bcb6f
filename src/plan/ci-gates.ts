import type { DispatchdConfig } from '../config/schema.js';
import type { PlannedTask } from '../dispatchfile/index.js';
import type { CiGate } from './spec.js';

/**
 * The tasks left to the team's CI that `task` depends on, directly or through other tasks, each
 * with the status context that CI posts for it: `repositories[].ciContexts[<task>]`, else the
 * task's name. A GitOps update waits for those to succeed on the source commit.
 */
export function ciGatesOf(
  config: DispatchdConfig,
  source: { host: string; fullName: string },
  plan: PlannedTask[],
  task: PlannedTask,
): CiGate[] {
  const contexts =
    config.repositories.find((r) => r.host === source.host && r.repo === source.fullName)?.ciContexts ?? {};
  const byName = new Map(plan.map((p) => [p.name, p]));
  const gates: CiGate[] = [];
  const seen = new Set<string>();
  const stack = [...task.dependsOn];
  while (stack.length > 0) {
    const name = stack.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const dep = byName.get(name);
    if (!dep) continue;
    if (dep.kind === 'external') gates.push({ task: name, context: contexts[name] ?? name });
    stack.push(...dep.dependsOn);
  }
  return gates;
}
