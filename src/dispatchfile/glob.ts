import picomatch from 'picomatch';

/**
 * Glob lists as Dispatch conditions use them: entries starting with `!` exclude. A value
 * matches when it matches at least one positive glob (or there is none) and no negative one.
 * `*` stays within one `/`-separated segment and `**` crosses segments, for branch names as for
 * paths (so `feature/*` matches `feature/x` but not `feature/x/y`; `**` matches any branch).
 * Dot-files match like any other name.
 */
export interface GlobList {
  matches(value: string): boolean;
}

const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, strictSlashes: false };

export function compileGlobs(globs: readonly string[]): GlobList {
  const positive: ((s: string) => boolean)[] = [];
  const negative: ((s: string) => boolean)[] = [];
  for (const glob of globs) {
    if (glob.startsWith('!')) negative.push(picomatch(glob.slice(1), OPTIONS));
    else positive.push(picomatch(glob, OPTIONS));
  }
  return {
    matches: (value) =>
      (positive.length === 0 || positive.some((m) => m(value))) && !negative.some((m) => m(value)),
  };
}

/** An absent list matches anything. */
export function matchesGlobs(globs: readonly string[] | undefined, value: string): boolean {
  return globs === undefined || compileGlobs(globs).matches(value);
}

/** A glob's problem, or undefined when picomatch can compile it. */
export function globProblem(glob: string): string | undefined {
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body === '') return `empty glob ${JSON.stringify(glob)}; write a pattern such as "main" or "release/*"`;
  try {
    picomatch.makeRe(body, OPTIONS);
    return undefined;
  } catch (err) {
    return `invalid glob ${JSON.stringify(glob)}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
