import { compileGlobs, matchesGlobs } from './glob.js';
import type { Action, Dispatchfile, PullRequestCondition, PushCondition } from './model.js';
import type { Trigger } from './trigger.js';

/** `unknown`: the decision depends on `paths` and the trigger carries no changed paths. */
type Verdict = 'yes' | 'no' | 'unknown';

/**
 * The actions whose condition the trigger meets, in file order. A condition that depends on
 * `paths` does not match while the changed paths are unknown: call needsChangedPaths first.
 */
export function matchActions(df: Dispatchfile, trigger: Trigger): Action[] {
  return df.actions.filter((action) => verdict(action, trigger) === 'yes');
}

/** True when some action's decision waits on `paths` and the trigger has no changedPaths. */
export function needsChangedPaths(df: Dispatchfile, trigger: Trigger): boolean {
  return df.actions.some((action) => verdict(action, trigger) === 'unknown');
}

function verdict(action: Action, trigger: Trigger): Verdict {
  switch (trigger.kind) {
    case 'push':
      return action.on.push ? pushVerdict(action.on.push, trigger.branch, trigger.changedPaths) : 'no';
    case 'tag':
      return action.on.tag && matchesGlobs(action.on.tag.names, trigger.tag) ? 'yes' : 'no';
    case 'pull_request':
      return action.on.pull_request ? pullRequestVerdict(action.on.pull_request, trigger) : 'no';
  }
}

function pushVerdict(cond: PushCondition, branch: string, changed: string[] | null | undefined): Verdict {
  if (!matchesGlobs(cond.branches, branch)) return 'no';
  return pathsVerdict(cond.paths, changed);
}

function pullRequestVerdict(cond: PullRequestCondition, trigger: Extract<Trigger, { kind: 'pull_request' }>): Verdict {
  if (!matchesGlobs(cond.targets, trigger.target)) return 'no';
  if (!matchesGlobs(cond.sources, trigger.source)) return 'no';
  if (cond.labels && !labelsMatch(cond.labels, trigger.labels ?? [])) return 'no';
  // A comment event fires only the actions whose chatops names its command; events without a
  // comment (opened, synchronised) ignore chatops, as in Dispatch.
  if (trigger.comment !== undefined && !chatopsMatch(cond.chatops, trigger.comment)) return 'no';
  return pathsVerdict(cond.paths, trigger.changedPaths);
}

/** At least one changed file passes the list (a `!` glob removes the files it matches). */
function pathsVerdict(paths: string[] | undefined, changed: string[] | null | undefined): Verdict {
  if (paths === undefined) return 'yes';
  if (changed === undefined) return 'unknown';
  // null: the SCM capped its list, so any path may have changed and the condition holds.
  if (changed === null) return 'yes';
  const list = compileGlobs(paths);
  return changed.some((p) => list.matches(p)) ? 'yes' : 'no';
}

/** Some label matches a positive glob (if any) and no label matches a `!` glob. */
function labelsMatch(globs: string[], labels: string[]): boolean {
  const positive = globs.filter((g) => !g.startsWith('!'));
  const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  const positives = compileGlobs(positive);
  const negatives = compileGlobs(negative);
  const anyPositive = positive.length === 0 || labels.some((l) => positives.matches(l));
  const anyNegative = negative.length > 0 && labels.some((l) => negatives.matches(l));
  return anyPositive && !anyNegative;
}

/** `/build now` carries the command `build`, matched against the chatops globs. */
function chatopsMatch(chatops: string[] | undefined, comment: string): boolean {
  if (chatops === undefined) return false;
  const m = /^\s*\/(\S+)/.exec(comment);
  return m?.[1] !== undefined && compileGlobs(chatops).matches(m[1]);
}
