import type { Problem } from './errors.js';
import { globProblem } from './glob.js';
import { findCycle, gitopsStep, taskKind } from './graph.js';
import type { Condition, Dispatchfile, SourcePosition } from './model.js';
import { checkTaskVariables, imageUrlWarnings } from './validate-variables.js';

/**
 * Checks what the syntax cannot: names that refer to nothing, cycles, globs, the variables of
 * the tasks dispatchd runs. Warnings do not stop a plan (a mutable image tag, a condition that
 * never fires in dispatchd).
 */
export function validateDispatchfile(df: Dispatchfile): { errors: Problem[]; warnings: Problem[] } {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const at = locator(df);
  const owner = new Map<string, string>();
  const checkedResources = new Set<string>();

  for (const [name, task] of Object.entries(df.tasks)) {
    task.inputs.forEach((input, i) => {
      if (!Object.hasOwn(df.tasks, input) && !Object.hasOwn(df.resources, input)) {
        errors.push({
          ...at(`task.${name}.inputs.${i}`, `task.${name}`),
          message: `task "${name}" has input "${input}", which is neither a resource nor a task; define it or fix the name`,
        });
      }
    });
    task.outputs.forEach((output, i) => {
      const where = at(`task.${name}.outputs.${i}`, `task.${name}`);
      if (!Object.hasOwn(df.resources, output)) {
        errors.push({
          ...where,
          message: `task "${name}" has output "${output}", which is not a defined resource; outputs name resources`,
        });
        return;
      }
      const first = owner.get(output);
      if (first !== undefined && first !== name) {
        errors.push({
          ...where,
          message: `resource "${output}" is the output of both task "${first}" and task "${name}"; one task must produce it`,
        });
      } else owner.set(output, name);
    });
    const kind = taskKind(df, task);
    // Loops, not push(...list): a hostile file can make lists longer than a call's arguments may be.
    if (kind !== 'external') for (const p of checkTaskVariables(df, name, task, at, checkedResources)) errors.push(p);
    const step = gitopsStep(task);
    if (kind === 'gitops' && step)
      errors.push(
        ...checkGitopsWorkingDir(
          df,
          name,
          task.inputs,
          step.workingDir,
          at(`task.${name}.steps.${task.steps.indexOf(step)}`, `task.${name}`),
        ),
      );
  }

  const cycle = findCycle(df);
  if (cycle?.[0] !== undefined) {
    errors.push({
      ...at(`task.${cycle[0]}`),
      message: `tasks depend on each other in a cycle: ${cycle.join(' → ')}; remove one of those inputs`,
    });
  }

  df.actions.forEach((action, i) => {
    action.tasks.forEach((t, j) => {
      if (!Object.hasOwn(df.tasks, t)) {
        errors.push({
          ...at(`actions.${i}.tasks.${j}`, `actions.${i}`),
          message: `action ${i + 1} runs task "${t}", which is not defined; define it or fix the name`,
        });
      }
    });
    const onAt = at(`actions.${i}.on`, `actions.${i}`);
    for (const message of globProblems(action.on)) errors.push({ ...onAt, message: `action ${i + 1}: ${message}` });
    for (const message of neverFires(action.on)) warnings.push({ ...onAt, message: `action ${i + 1}: ${message}` });
  });

  for (const w of imageUrlWarnings(df, at)) warnings.push(w);
  return { errors, warnings };
}

export type Locate = (path: string, fallback?: string) => SourcePosition;

function locator(df: Dispatchfile): Locate {
  const locations = df.locations ?? {};
  return (path, fallback) => {
    const p = locations[path] ?? (fallback !== undefined ? locations[fallback] : undefined) ?? { line: 1, col: 1 };
    return { line: p.line, col: p.col };
  };
}

function checkGitopsWorkingDir(
  df: Dispatchfile,
  task: string,
  inputs: string[],
  dir: string | undefined,
  where: SourcePosition,
): Problem[] {
  const m = /^\/workspace\/([^/]+)/.exec(dir ?? '');
  const resource = m?.[1];
  const hint = 'set workingDir: "/workspace/<git resource>[/<dir>]" to name the GitOps repository';
  if (resource === undefined)
    return [{ ...where, message: `the update-gitops-repo step of task "${task}" has no usable workingDir; ${hint}` }];
  if (df.resources[resource]?.type !== 'git' || !Object.hasOwn(df.resources, resource)) {
    return [
      {
        ...where,
        message: `the update-gitops-repo step of task "${task}" works in "${resource}", which is not a git resource; ${hint}`,
      },
    ];
  }
  if (!inputs.includes(resource)) {
    return [
      {
        ...where,
        message: `task "${task}" updates the GitOps repository "${resource}" but does not list it in its inputs; add "${resource}" to inputs`,
      },
    ];
  }
  return [];
}

function globProblems(on: Condition): string[] {
  const lists: [string, string[] | undefined][] = [
    ['push branches', on.push?.branches],
    ['push paths', on.push?.paths],
    ['tag names', on.tag?.names],
    ['pull_request targets', on.pull_request?.targets],
    ['pull_request sources', on.pull_request?.sources],
    ['pull_request paths', on.pull_request?.paths],
    ['pull_request chatops', on.pull_request?.chatops],
    ['pull_request labels', on.pull_request?.labels],
    ['image push tags', on.image?.push?.tags],
  ];
  const out: string[] = [];
  for (const [label, globs] of lists) {
    for (const glob of globs ?? []) {
      const p = globProblem(glob);
      if (p) out.push(`${label}: ${p}`);
    }
  }
  return out;
}

function neverFires(on: Condition): string[] {
  const out: string[] = [];
  if (on.pull_request?.labels)
    out.push(
      'pull_request labels: Bitbucket pull requests have no labels, so on a Bitbucket Cloud or Server repository this action never fires; GitHub and GitLab labels match',
    );
  if (on.pull_request?.chatops)
    out.push(
      'pull_request chatops: a /command comment fires it on GitHub (issue_comment events) and GitLab (note events); ' +
        'Bitbucket comments fire nothing (there it fires when a pull request opens or gets a new head)',
    );
  if (on.cron)
    out.push('the cron condition never fires in dispatchd (it reacts to pushes); run scheduled work in your CI');
  if (on.image) out.push('the image condition never fires in dispatchd (it reacts to SCM pushes, not registry pushes)');
  return out;
}
