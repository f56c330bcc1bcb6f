import { PermanentError } from '../core/errors.js';

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

/**
 * A Dispatchfile that cannot be used. Permanent: retrying the same commit cannot fix it, so the
 * plan fails at once and this message goes on the commit status.
 */
export class DispatchfileError extends PermanentError {
  readonly problems: Problem[];

  constructor(
    problems: Problem[],
    readonly file = 'Dispatchfile',
  ) {
    const sorted = sortProblems(problems);
    super('dispatchfile_invalid', formatProblems(file, sorted));
    this.problems = sorted;
  }
}
