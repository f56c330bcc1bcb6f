import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import { ZERO_SHA, type PushEvent } from '../core/push-event.js';
import {
  matchActions,
  needsChangedPaths,
  oversizeDispatchfile,
  parseDispatchfile,
  planTasks,
  StepBudget,
  substituteVariables,
  type Dispatchfile,
  type Trigger,
  type VariableContext,
} from '../dispatchfile/index.js';
import { checkRefName } from '../gitops/value-hygiene.js';
import { FileTooLargeError } from '../scm/bounded-body.js';
import type { ScmProvider } from '../scm/contracts.js';
import { ciGatesOf } from './ci-gates.js';
import { gitopsSpec } from './gitops-task.js';
import { digestMarker, type EnvUpdateSpec, type PullRequestOrigin } from '../core/env-update.js';

export interface TaskOutcome {
  task: string;
  kind: 'image' | 'gitops' | 'external';
  /** Status line for the planned commit; none for tasks left to the team's CI. */
  state?: 'pending' | 'success';
  description: string;
  image?: string;
  env?: { envId: string; spec: EnvUpdateSpec };
}

export interface PushPlan {
  dispatchfile: string;
  found: boolean;
  actions: number;
  tasks: TaskOutcome[];
  /** The commit planned: the ref's tip as read from the SCM, not the payload's `after`. */
  commit?: string;
  /** Why nothing was planned: the ref is gone, or the payload named a commit not on it. */
  skipped?: string;
}

export interface PlanOptions {
  /** The commit last planned for this ref: changed paths are counted from it (else the push's `before`). */
  since?: string;
}

const short = (sha: string) => sha.slice(0, 7);

/**
 * The commit to plan. A webhook is a trigger and the SCM is the truth: the ref's current tip,
 * read with dispatchd's own credentials, is planned, provided the payload's `after` is on it.
 * So a replayed, late or forged payload can never make dispatchd deploy an older or foreign commit.
 */
export async function tipToPlan(
  event: PushEvent,
  provider: ScmProvider,
): Promise<{ tip: string } | { skipped: string }> {
  const tip = await provider.refTip(event.repo.fullName, event.ref);
  if (tip === null) {
    // Some SCMs answer 404 alike for a missing ref and a repository the token cannot see: ask
    // about the repository, which fails (saying so) when it is the token, not the ref.
    await provider.defaultBranch(event.repo.fullName);
    return { skipped: `${event.ref} no longer exists in ${event.repo.fullName}: nothing deployed` };
  }
  // Bitbucket Cloud's pull-request webhooks abbreviate the head commit (12 characters): the tip
  // it starts is that commit; any other tip must contain it (the SCM resolves the abbreviation).
  if (tip === event.after || (/^[0-9a-f]{7,39}$/.test(event.after) && tip.startsWith(event.after))) return { tip };
  let status: string;
  try {
    status = (await provider.compare(event.repo.fullName, event.after, tip)).status;
  } catch (err) {
    // A commit the SCM does not know (a forged id, or rewritten away) is not on the ref either.
    if (!(err instanceof PermanentError)) throw err;
    status = 'unknown';
  }
  if (status === 'ahead' || status === 'identical') return { tip };
  return {
    skipped:
      `${short(event.after)} is not on ${event.ref} of ${event.repo.fullName} (its tip is ${short(tip)}; the commit is ` +
      `${status === 'unknown' ? 'unknown to the SCM' : status === 'behind' ? 'ahead of the tip' : 'on another line of history'}): nothing deployed`,
  };
}

/** The trigger matching sees; changed paths are fetched from the SCM only when a rule needs them. */
async function triggerOf(
  df: Dispatchfile,
  event: PushEvent,
  tip: string,
  provider: ScmProvider,
  since: string | undefined,
  budget: StepBudget,
): Promise<Trigger> {
  if (event.refType === 'tag') return { kind: 'tag', tag: event.refName };
  const fromPayload =
    tip === event.after &&
    (since === undefined || since === event.before) &&
    event.changedPaths &&
    !event.commitsTruncated;
  const trigger: Trigger = {
    kind: 'push',
    branch: event.refName,
    ...(fromPayload ? { changedPaths: event.changedPaths } : {}),
  };
  if (!needsChangedPaths(df, trigger, budget)) return trigger;
  const base = since ?? (event.before === ZERO_SHA ? await provider.defaultBranch(event.repo.fullName) : event.before);
  return { ...trigger, changedPaths: (await provider.compare(event.repo.fullName, base, tip)).files };
}

export function variables(df: Dispatchfile, event: PushEvent): VariableContext {
  const vars: VariableContext = {
    git: {
      commit: event.after,
      url: event.repo.cloneUrl,
      ...(event.refType === 'branch' ? { branch: event.refName } : { tag: event.refName }),
    },
    build: { name: event.refName },
    resources: {},
  };
  // Resource params may use context variables (an image url with the commit in its tag).
  for (const [name, r] of Object.entries(df.resources)) {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.params))
      params[k] = substituteVariables(v, { ...vars, resources: {} }, `resource "${name}" param ${k}`);
    if (r.type === 'image') params.digest = digestMarker(name);
    vars.resources[name] = params;
  }
  return vars;
}

/**
 * Reads the ref's tip and the Dispatchfile there, matches its actions and plans the tasks. Pure
 * apart from the SCM reads; queueing and statuses are the caller's.
 */
export async function planPush(
  config: DispatchdConfig,
  event: PushEvent,
  seq: number,
  provider: ScmProvider,
  opts: PlanOptions = {},
): Promise<PushPlan> {
  const repoConfig = config.repositories.find((r) => r.host === event.host && r.repo === event.repo.fullName);
  const path = repoConfig?.dispatchfile ?? 'Dispatchfile';
  const maxBytes = config.dispatchfileMaxBytes;
  checkRefName(event.refName, `${event.refType} name`);
  const target = await tipToPlan(event, provider);
  if ('skipped' in target) return { dispatchfile: path, found: false, actions: 0, tasks: [], skipped: target.skipped };
  const { tip } = target;
  // From here on the event is the tip's: its variables, statuses and PR text name the tip.
  // The payload's head commit describes its `after`; it is kept only when that is the tip.
  const { headCommit, ...rest } = event;
  const planned: PushEvent =
    tip === event.after ? event : { ...rest, after: tip, ...(headCommit?.id === tip ? { headCommit } : {}) };
  const text = await readDispatchfile(provider, event.repo.fullName, path, tip, maxBytes);
  if (text === null) return { dispatchfile: path, found: false, actions: 0, tasks: [], commit: tip };
  const df = parseDispatchfile(text, path, { maxBytes });
  // One glob-matching budget for the whole plan: the pusher writes both the globs and the names.
  const budget = new StepBudget();
  const actions = matchActions(df, await triggerOf(df, event, tip, provider, opts.since, budget), budget);
  const names = [...new Set(actions.flatMap((a) => a.tasks))];
  if (names.length === 0) return { dispatchfile: path, found: true, actions: 0, tasks: [], commit: tip };
  const tasks = taskOutcomes(config, df, names, planned, seq, provider);
  return { dispatchfile: path, found: true, actions: actions.length, tasks, commit: tip };
}

/**
 * The tasks the matched actions run, in order: what each reports and, for GitOps tasks, the
 * environment update. `planned` is the commit's event (a push, or a pull request's head).
 */
export function taskOutcomes(
  config: DispatchdConfig,
  df: Dispatchfile,
  names: string[],
  planned: PushEvent,
  seq: number,
  provider: ScmProvider,
  pullRequest?: PullRequestOrigin,
): TaskOutcome[] {
  const vars = variables(df, planned);
  const plan = planTasks(df, names);
  return plan.map((p) => {
    // dispatchd does not run these, so it says nothing about them: a status would claim work
    // (a test, a lint) that nobody did. The team's CI posts its own.
    if (p.kind === 'external')
      return { task: p.name, kind: 'external', description: p.externalReason ?? 'left to your CI' };
    if (p.kind === 'image') {
      const out = p.task.outputs.find((o) => df.resources[o]?.type === 'image')!;
      const image = vars.resources[out]?.url ?? '';
      return { task: p.name, kind: 'image', state: 'success', description: `image reference ${image}`, image };
    }
    const env = gitopsSpec(config, df, p, planned, seq, vars, provider, pullRequest);
    const gates = ciGatesOf(config, { host: planned.host, fullName: planned.repo.fullName }, plan, p);
    if (gates.length > 0) env.spec.ciGates = gates;
    return {
      task: p.name,
      kind: 'gitops',
      state: 'pending',
      description: `updating ${env.spec.target.fullName} ${env.spec.envDir || '/'}`,
      env,
    };
  });
}

/** The Dispatchfile's text; a larger one than the limit is refused having read only the limit. */
export async function readDispatchfile(
  provider: ScmProvider,
  repo: string,
  path: string,
  ref: string,
  maxBytes: number,
): Promise<string | null> {
  try {
    return await provider.readFile(repo, path, ref, maxBytes);
  } catch (err) {
    if (err instanceof FileTooLargeError) throw oversizeDispatchfile(err.head, path, maxBytes);
    throw err;
  }
}
