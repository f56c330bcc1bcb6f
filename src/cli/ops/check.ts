/** One line of `dispatchd doctor`: passed, failed, or a warning that does not fail the run. */
export interface Check {
  state: 'ok' | 'fail' | 'warn';
  /** What was checked and what was found. */
  line: string;
  /** For fail and warn: what to change. */
  fix?: string;
}

export const ok = (line: string): Check => ({ state: 'ok', line });
export const fail = (line: string, fix: string): Check => ({ state: 'fail', line, fix });
export const warn = (line: string, fix: string): Check => ({ state: 'warn', line, fix });

const MARK = { ok: '✓', fail: '✗', warn: '!' } as const;

export function formatCheck(c: Check): string {
  return `${MARK[c.state]} ${c.line}${c.fix ? `\n    → ${c.fix}` : ''}`;
}

/** Rejects after `ms` so one silent server cannot hold the whole report. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
