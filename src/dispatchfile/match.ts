import { DispatchfileError } from './errors.js';
import { compileGlobs, StepBudget, StepBudgetExceeded, type GlobList } from './glob.js';
import { MAX_MATCH_STEPS } from './limits.js';
import type { Action, Dispatchfile, PullRequestCondition, PushCondition } from './model.js';
import type { Trigger } from './trigger.js';

export { StepBudget } from './glob.js';

/** `unknown`: the decision depends on `paths` and the trigger carries no changed paths. */
type Verdict = 'yes' | 'no' | 'unknown';

/**
 * The actions whose condition the trigger meets, in file order. A condition that depends on
 * `paths` does not match while the changed paths are unknown: call needsChangedPaths first.
 *
 * Every glob test is charged to `budget` (by default MAX_MATCH_STEPS matcher steps, fresh for
 * this call): the pusher writes the globs and chooses the branch and the changed paths, so the
 * product of the two is capped. Past it, throws a DispatchfileError at the action being matched.
 */
export function matchActions(df: Dispatchfile, trigger: Trigger, budget: StepBudget = new StepBudget()): Action[] {
  const m = new Matching(df, trigger, budget);
  return df.actions.filter((action, i) => m.verdict(action, i) === 'yes');
}

/**
 * True when some action's decision waits on `paths` and the trigger has no changedPaths. Its
 * glob tests (branches) are charged to `budget` as in matchActions.
 */
export function needsChangedPaths(df: Dispatchfile, trigger: Trigger, budget: StepBudget = new StepBudget()): boolean {
  const m = new Matching(df, trigger, budget);
  return df.actions.some((action, i) => m.verdict(action, i) === 'unknown');
}

/** One matching pass: the budget it charges and each glob list compiled once. */
class Matching {
  private readonly compiled = new Map<readonly string[], GlobList>();

  constructor(
    private readonly df: Dispatchfile,
    private readonly trigger: Trigger,
    private readonly budget: StepBudget,
  ) {}

  verdict(action: Action, index: number): Verdict {
    const trigger = this.trigger;
    switch (trigger.kind) {
      case 'push':
        return action.on.push ? this.pushVerdict(action.on.push, index, trigger.branch, trigger.changedPaths) : 'no';
      case 'tag':
        return action.on.tag && this.any(action.on.tag.names, [trigger.tag], index, 'tag names', 'the tag')
          ? 'yes'
          : 'no';
      case 'pull_request':
        return action.on.pull_request ? this.pullRequestVerdict(action.on.pull_request, index, trigger) : 'no';
    }
  }

  private pushVerdict(
    cond: PushCondition,
    index: number,
    branch: string,
    changed: string[] | null | undefined,
  ): Verdict {
    if (!this.any(cond.branches, [branch], index, 'branches', 'the branch')) return 'no';
    return this.pathsVerdict(cond.paths, index, changed);
  }

  private pullRequestVerdict(
    cond: PullRequestCondition,
    index: number,
    trigger: Extract<Trigger, { kind: 'pull_request' }>,
  ): Verdict {
    if (!this.any(cond.targets, [trigger.target], index, 'targets', 'the target branch')) return 'no';
    if (!this.any(cond.sources, [trigger.source], index, 'sources', 'the source branch')) return 'no';
    if (cond.labels && !this.labelsMatch(cond.labels, index, trigger.labels ?? [])) return 'no';
    // A comment event fires only the actions whose chatops names its command; events without a
    // comment (opened, synchronised) ignore chatops, as in Dispatch.
    if (trigger.comment !== undefined && !this.chatopsMatch(cond.chatops, index, trigger.comment)) return 'no';
    return this.pathsVerdict(cond.paths, index, trigger.changedPaths);
  }

  /** At least one changed file passes the list (a `!` glob removes the files it matches). */
  private pathsVerdict(paths: string[] | undefined, index: number, changed: string[] | null | undefined): Verdict {
    if (paths === undefined) return 'yes';
    if (changed === undefined) return 'unknown';
    // null: the SCM capped its list, so any path may have changed and the condition holds.
    if (changed === null) return 'yes';
    return this.any(paths, changed, index, 'paths', `the ${plural(changed.length, 'changed path')}`) ? 'yes' : 'no';
  }

  /** Some label matches a positive glob (if any) and no label matches a `!` glob. */
  private labelsMatch(globs: string[], index: number, labels: string[]): boolean {
    const positive = globs.filter((g) => !g.startsWith('!'));
    const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
    const against = `the ${plural(labels.length, 'label')}`;
    const anyPositive = positive.length === 0 || this.any(positive, labels, index, 'labels', against);
    const anyNegative = negative.length > 0 && this.any(negative, labels, index, 'labels', against);
    return anyPositive && !anyNegative;
  }

  /** `/build now` carries the command `build`, matched against the chatops globs. */
  private chatopsMatch(chatops: string[] | undefined, index: number, comment: string): boolean {
    if (chatops === undefined) return false;
    const m = /^\s*\/(\S+)/.exec(comment);
    return m?.[1] !== undefined && this.any(chatops, [m[1]], index, 'chatops', "the comment's command");
  }

  /**
   * Some value passes the glob list (an absent list passes anything), charging every glob test
   * to the budget; past it, the action's conditions are refused as too costly.
   */
  private any(
    globs: readonly string[] | undefined,
    values: readonly string[],
    index: number,
    field: string,
    against: string,
  ): boolean {
    if (globs === undefined) return true;
    let list = this.compiled.get(globs);
    if (list === undefined) {
      list = compileGlobs(globs);
      this.compiled.set(globs, list);
    }
    const compiledList = list;
    try {
      return values.some((v) => compiledList.matches(v, this.budget));
    } catch (err) {
      if (err instanceof StepBudgetExceeded) throw this.tooCostly(index, field, against);
      throw err;
    }
  }

  private tooCostly(index: number, field: string, against: string): DispatchfileError {
    const locations = this.df.locations ?? {};
    const at = locations[`actions.${index}.on`] ?? locations[`actions.${index}`] ?? { line: 1, col: 1 };
    const limit = this.budget.limit;
    const named =
      limit === MAX_MATCH_STEPS
        ? `the limit of ${limit} glob-matching steps per push (MAX_MATCH_STEPS)`
        : `the limit of ${limit} glob-matching steps per push`;
    return new DispatchfileError(
      [
        {
          ...at,
          message:
            `action ${index + 1}: the conditions are too costly to evaluate: matching its ${field} globs against ${against} ` +
            `went past ${named}, counting the actions before it; use fewer globs, or fewer wildcards in each`,
        },
      ],
      this.df.file,
    );
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
