import type { DispatchdConfig } from '../config/schema.js';
import { ZERO_SHA, type PushEvent } from '../core/push-event.js';
import { matchActions, needsChangedPaths, parseDispatchfile, planTasks, substituteVariables, type Dispatchfile, type Trigger, type VariableContext } from '../dispatchfile/index.js';
import type { ScmProvider } from '../scm/contracts.js';
import { gitopsSpec } from './gitops-task.js';
import { digestMarker, type EnvUpdateSpec } from './spec.js';

export interface TaskOutcome {
  task: string;
  kind: 'image' | 'gitops' | 'external';
  /** Status line for the source commit. */
  state: 'pending' | 'success';
  description: string;
  image?: string;
  env?: { envId: string; spec: EnvUpdateSpec };
}

export interface PushPlan {
  dispatchfile: string;
  found: boolean;
  actions: number;
  tasks: TaskOutcome[];
}

/** The trigger matching sees; changed paths are fetched from the SCM only when a rule needs them. */
async function triggerOf(df: Dispatchfile, event: PushEvent, provider: ScmProvider): Promise<Trigger> {
  if (event.refType === 'tag') return { kind: 'tag', tag: event.refName };
  const trigger: Trigger = { kind: 'push', branch: event.refName, ...(event.changedPaths && !event.commitsTruncated ? { changedPaths: event.changedPaths } : {}) };
  if (!needsChangedPaths(df, trigger)) return trigger;
  const base = event.before === ZERO_SHA ? await provider.defaultBranch(event.repo.fullName) : event.before;
  return { ...trigger, changedPaths: await provider.compare(event.repo.fullName, base, event.after) };
}

function variables(df: Dispatchfile, event: PushEvent): VariableContext {
  const vars: VariableContext = {
    git: { commit: event.after, url: event.repo.cloneUrl, ...(event.refType === 'branch' ? { branch: event.refName } : { tag: event.refName }) },
    build: { name: event.refName },
    resources: {},
  };
  // Resource params may use context variables (an image url with the commit in its tag).
  for (const [name, r] of Object.entries(df.resources)) {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.params)) params[k] = substituteVariables(v, { ...vars, resources: {} }, `resource "${name}" param ${k}`);
    if (r.type === 'image') params.digest = digestMarker(name);
    vars.resources[name] = params;
  }
  return vars;
}

/**
 * Reads the Dispatchfile at the pushed commit, matches its actions and plans the tasks. Pure
 * apart from the SCM reads; queueing and statuses are the caller's.
 */
export async function planPush(config: DispatchdConfig, event: PushEvent, seq: number, provider: ScmProvider): Promise<PushPlan> {
  const repoConfig = config.repositories.find((r) => r.host === event.host && r.repo === event.repo.fullName);
  const path = repoConfig?.dispatchfile ?? 'Dispatchfile';
  const text = await provider.readFile(event.repo.fullName, path, event.after);
  if (text === null) return { dispatchfile: path, found: false, actions: 0, tasks: [] };
  const df = parseDispatchfile(text, path);
  const actions = matchActions(df, await triggerOf(df, event, provider));
  const names = [...new Set(actions.flatMap((a) => a.tasks))];
  if (names.length === 0) return { dispatchfile: path, found: true, actions: 0, tasks: [] };
  const vars = variables(df, event);
  const tasks: TaskOutcome[] = planTasks(df, names).map((planned) => {
    if (planned.kind === 'external') {
      return { task: planned.name, kind: 'external', state: 'success', description: planned.externalReason ?? 'left to your CI' };
    }
    if (planned.kind === 'image') {
      const out = planned.task.outputs.find((o) => df.resources[o]?.type === 'image')!;
      const image = vars.resources[out]?.url ?? '';
      return { task: planned.name, kind: 'image', state: 'success', description: `image reference ${image}`, image };
    }
    const env = gitopsSpec(config, df, planned, event, seq, vars, provider);
    return { task: planned.name, kind: 'gitops', state: 'pending', description: `updating ${env.spec.target.fullName} ${env.spec.envDir || '/'}`, env };
  });
  return { dispatchfile: path, found: true, actions: actions.length, tasks };
}
