import type { Action, Condition, PullRequestCondition, PushCondition } from './model.js';
import { asString, asStringList, asStruct, checkFields, problem, type ReadContext } from './node-readers.js';
import type { Node, StructNode } from './syntax/tree.js';

const EVENTS = ['push', 'tag', 'pull_request'] as const;
type EventKind = (typeof EVENTS)[number];

/** `actions: [{name?, tasks, on}]`; `on` in the old top-level form or under `git:`. */
export function readActions(ctx: ReadContext, node: Node): Action[] {
  if (node.kind !== 'list') {
    problem(ctx, node, '`actions` must be a list of actions ([{tasks: […], on …}])');
    return [];
  }
  const actions: Action[] = [];
  node.items.forEach((item, i) => {
    const what = `action ${i + 1}`;
    const struct = asStruct(ctx, item, what);
    if (!struct) return;
    const index = actions.length;
    ctx.locations[`actions.${index}`] = { line: struct.line, col: struct.col };
    const action: Action = { tasks: [], on: {} };
    let hasOn = false;
    for (const field of checkFields(ctx, struct, what, ['name', 'tasks', 'on'])) {
      if (field.key === 'name') {
        const name = asString(ctx, field.value, `\`name\` of ${what}`);
        if (name !== undefined) action.name = name;
      } else if (field.key === 'tasks') {
        action.tasks = asStringList(ctx, field.value, `\`tasks\` of ${what}`, `actions.${index}.tasks`) ?? [];
        if (action.tasks.length === 0)
          problem(ctx, field.value, `\`tasks\` of ${what} is empty; name the tasks to run`);
      } else {
        hasOn = true;
        ctx.locations[`actions.${index}.on`] = { line: field.keyPos.line, col: field.keyPos.col };
        action.on = readCondition(ctx, field.value, what);
      }
    }
    if (!struct.fields.has('tasks')) problem(ctx, struct, `${what} has no \`tasks\`; name the tasks to run`);
    if (!hasOn) problem(ctx, struct, `${what} has no \`on\` condition; add e.g. on push branches: ["main"]`);
    actions.push(action);
  });
  return actions;
}

function readCondition(ctx: ReadContext, node: Node, what: string): Condition {
  const cond: Condition = {};
  const struct = asStruct(ctx, node, `\`on\` of ${what}`);
  if (!struct) return cond;
  const label = `\`on\` of ${what}`;
  for (const field of checkFields(ctx, struct, label, ['push', 'tag', 'pull_request', 'git', 'cron', 'image'])) {
    if (field.key === 'git') {
      const git = asStruct(ctx, field.value, `\`on git\` of ${what}`);
      if (!git) continue;
      for (const f of checkFields(ctx, git, `\`on git\` of ${what}`, EVENTS)) {
        setEvent(ctx, cond, f.key as EventKind, f.value, what, f.keyPos);
      }
    } else if (field.key === 'cron') {
      const cron = asStruct(ctx, field.value, `\`on cron\` of ${what}`);
      if (!cron) continue;
      checkFields(ctx, cron, `\`on cron\` of ${what}`, ['schedule', 'revision']);
      const schedule = cron.fields.get('schedule');
      const revision = cron.fields.get('revision');
      const s = schedule ? asString(ctx, schedule.value, '`schedule`') : undefined;
      if (!schedule) problem(ctx, cron, `\`on cron\` of ${what} has no \`schedule\``);
      cond.cron = { schedule: s ?? '' };
      const r = revision ? asString(ctx, revision.value, '`revision`') : undefined;
      if (r !== undefined) cond.cron.revision = r;
    } else if (field.key === 'image') {
      const image = asStruct(ctx, field.value, `\`on image\` of ${what}`);
      if (!image) continue;
      cond.image = {};
      for (const f of checkFields(ctx, image, `\`on image\` of ${what}`, ['push'])) {
        const push = asStruct(ctx, f.value, `\`on image push\` of ${what}`);
        if (!push) continue;
        cond.image.push = {};
        for (const t of checkFields(ctx, push, `\`on image push\` of ${what}`, ['tags'])) {
          const tags = asStringList(ctx, t.value, '`tags`');
          if (tags) cond.image.push.tags = tags;
        }
      }
    } else {
      setEvent(ctx, cond, field.key as EventKind, field.value, what, field.keyPos);
    }
  }
  if (struct.fields.size === 0) problem(ctx, struct, `\`on\` of ${what} is empty; use push, tag or pull_request`);
  return cond;
}

function setEvent(
  ctx: ReadContext,
  cond: Condition,
  kind: EventKind,
  node: Node,
  what: string,
  at: { line: number; col: number },
): void {
  if (cond[kind]) {
    problem(ctx, at, `\`${kind}\` is given twice in \`on\` of ${what} (top-level and under \`git\`); keep one`);
    return;
  }
  const label = `\`on ${kind}\` of ${what}`;
  const struct = asStruct(ctx, node, label);
  if (!struct) return;
  if (kind === 'push') cond.push = readPush(ctx, struct, label);
  else if (kind === 'tag') {
    cond.tag = {};
    for (const f of checkFields(ctx, struct, label, ['names'])) {
      const names = asStringList(ctx, f.value, `\`names\` of ${label}`);
      if (names) cond.tag.names = names;
    }
  } else cond.pull_request = readPullRequest(ctx, struct, label);
}

function readPush(ctx: ReadContext, struct: StructNode, label: string): PushCondition {
  const push: PushCondition = {};
  for (const f of checkFields(ctx, struct, label, ['branches', 'paths'])) {
    const list = asStringList(ctx, f.value, `\`${f.key}\` of ${label}`);
    if (list) push[f.key as 'branches' | 'paths'] = list;
  }
  return push;
}

function readPullRequest(ctx: ReadContext, struct: StructNode, label: string): PullRequestCondition {
  const pr: PullRequestCondition = {};
  const keys = ['targets', 'branches', 'sources', 'paths', 'chatops', 'labels'];
  for (const f of checkFields(ctx, struct, label, keys)) {
    const list = asStringList(ctx, f.value, `\`${f.key}\` of ${label}`);
    if (!list) continue;
    // `branches` is Dispatch's older name for the pull request's target branches.
    const key = f.key === 'branches' ? 'targets' : (f.key as keyof PullRequestCondition);
    if (pr[key]) {
      problem(ctx, f.keyPos, `\`targets\` and \`branches\` of ${label} mean the same (the target branch); keep one`);
      continue;
    }
    pr[key] = list;
  }
  return pr;
}
