import { compileGlob, GlobSyntaxError, MAX_GLOB_LENGTH, type Glob } from './glob-matcher.js';

/**
 * Glob lists as Dispatch conditions use them: entries starting with `!` exclude. A value
 * matches when it matches at least one positive glob (or there is none) and no negative one.
 * `*` stays within one `/`-separated segment and `**` crosses segments, for branch names as for
 * paths (so `feature/*` matches `feature/x` but not `feature/x/y`; `**` matches any branch).
 * Dot-files match like any other name. The matcher (glob-matcher.ts) runs in time linear in the
 * name for a given glob: the pusher writes both, so no glob may backtrack.
 */
export interface GlobList {
  matches(value: string): boolean;
}

export function compileGlobs(globs: readonly string[]): GlobList {
  const positive: Glob[] = [];
  const negative: Glob[] = [];
  for (const glob of globs) {
    if (glob.startsWith('!')) negative.push(compileGlob(glob.slice(1)));
    else positive.push(compileGlob(glob));
  }
  return {
    matches: (value) =>
      (positive.length === 0 || positive.some((m) => m.test(value))) && !negative.some((m) => m.test(value)),
  };
}

/** An absent list matches anything. */
export function matchesGlobs(globs: readonly string[] | undefined, value: string): boolean {
  return globs === undefined || compileGlobs(globs).matches(value);
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
