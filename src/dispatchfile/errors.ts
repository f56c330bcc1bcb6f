import { PermanentError } from '../core/errors.js';
import { MAX_REPORTED_PROBLEMS } from './limits.js';

/** One thing wrong with a Dispatchfile, at a 1-based line and column. */
export interface Problem {
  line: number;
  col: number;
  message: string;
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}

export function formatProblems(file: string, problems: Problem[]): string {
  return problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`).join('\n');
}

/** The first MAX_REPORTED_PROBLEMS problems, then one saying how many more there are. */
export function capProblems(sorted: Problem[]): Problem[] {
  if (sorted.length <= MAX_REPORTED_PROBLEMS) return sorted;
  const next = sorted[MAX_REPORTED_PROBLEMS] as Problem;
  const more = sorted.length - MAX_REPORTED_PROBLEMS;
  return [
    ...sorted.slice(0, MAX_REPORTED_PROBLEMS),
    {
      line: next.line,
      col: next.col,
      message: `…and ${more} more problem${more === 1 ? '' : 's'} from here on (at most ${MAX_REPORTED_PROBLEMS} are listed)`,
    },
  ];
}

/**
 * A Dispatchfile that cannot be used. Permanent: retrying the same commit cannot fix it, so the
 * plan fails at once and this message goes on the commit status. At most MAX_REPORTED_PROBLEMS
 * problems are kept (a hostile file could otherwise make a message of megabytes).
 */
export class DispatchfileError extends PermanentError {
  readonly problems: Problem[];

  constructor(
    problems: Problem[],
    readonly file = 'Dispatchfile',
  ) {
    const sorted = capProblems(sortProblems(problems));
    super('dispatchfile_invalid', formatProblems(file, sorted));
    this.problems = sorted;
  }
}
