import { compileGlob, GlobSyntaxError, MAX_GLOB_LENGTH, type Glob } from './glob-matcher.js';
import { MAX_MATCH_STEPS } from './limits.js';

/**
 * Glob lists as Dispatch conditions use them: entries starting with `!` exclude. A value
 * matches when it matches at least one positive glob (or there is none) and no negative one.
 * `*` stays within one `/`-separated segment and `**` crosses segments, for branch names as for
 * paths (so `feature/*` matches `feature/x` but not `feature/x/y`; `**` matches any branch).
 * Dot-files match like any other name. The matcher (glob-matcher.ts) runs in time linear in the
 * name for a given glob: the pusher writes both, so no glob may backtrack.
 */
export interface GlobList {
  /** With a budget, every glob tested is charged to it (StepBudgetExceeded once past it). */
  matches(value: string, budget?: StepBudget): boolean;
}

/**
 * Matcher steps (GlobRun.steps) that one plan may spend on glob tests; MAX_MATCH_STEPS by
 * default. The caller makes one per plan and passes it down: there is no shared counter.
 */
export class StepBudget {
  /** Steps charged so far; may end a little past `limit` (the test that went past). */
  spent = 0;

  constructor(readonly limit: number = MAX_MATCH_STEPS) {}

  /** Runs one glob test, charging its steps; throws StepBudgetExceeded once past the limit. */
  test(glob: Glob, value: string): boolean {
    const run = glob.run(value, this.limit - this.spent);
    this.spent += run.steps;
    if (run.stopped || this.spent > this.limit) throw new StepBudgetExceeded(this);
    return run.matched;
  }
}

/** Thrown by a glob test past its StepBudget; match.ts turns it into a DispatchfileError. */
export class StepBudgetExceeded extends Error {
  constructor(readonly budget: StepBudget) {
    super(`glob matching took more than ${budget.limit} steps`);
  }
}

export function compileGlobs(globs: readonly string[]): GlobList {
  const positive: Glob[] = [];
  const negative: Glob[] = [];
  for (const glob of globs) {
    if (glob.startsWith('!')) negative.push(compileGlob(glob.slice(1)));
    else positive.push(compileGlob(glob));
  }
  return {
    matches: (value, budget) => {
      const test = budget ? (m: Glob) => budget.test(m, value) : (m: Glob) => m.test(value);
      return (positive.length === 0 || positive.some(test)) && !negative.some(test);
    },
  };
}

/** An absent list matches anything. */
export function matchesGlobs(globs: readonly string[] | undefined, value: string, budget?: StepBudget): boolean {
  return globs === undefined || compileGlobs(globs).matches(value, budget);
}

/** A glob's problem, or undefined when it compiles. */
export function globProblem(glob: string): string | undefined {
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body === '') return `empty glob ${JSON.stringify(glob)}; write a pattern such as "main" or "release/*"`;
  if (glob.length > MAX_GLOB_LENGTH) {
    return `glob ${JSON.stringify(glob.slice(0, 40))}… is ${glob.length} characters long; a glob may have at most ${MAX_GLOB_LENGTH}`;
  }
  try {
    compileGlob(body);
    return undefined;
  } catch (err) {
    if (err instanceof GlobSyntaxError) return `invalid glob ${JSON.stringify(glob)}: ${err.reason}`;
    throw err;
  }
}
