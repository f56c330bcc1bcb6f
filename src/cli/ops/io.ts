import type { Env } from '../../config/load.js';
import { DispatchError } from '../../core/errors.js';

/** Exit codes of the operator commands, the same for each (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  /** The work ran and something failed: the receiver refused, a check failed, a redelivery was refused. */
  failed: 1,
  /** Nothing was attempted: bad arguments, no config, unknown host. */
  usage: 2,
} as const;

/**
 * What an operator command talks to, passed in so that commands hold no process state: results
 * go to `out` (stdout), progress and diagnostics to `err` (stderr), so `| jq` or `> file` keep
 * only the answer.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Env;
}

/** The command cannot start as asked; the message says what to change. Exit code 2. */
export class UsageError extends DispatchError {
  constructor(message: string) {
    super('usage', message, 400);
  }
}

/** `http://127.0.0.1:$PORT` unless `--url` says where dispatchd listens. */
export function serviceUrl(given: string | undefined, env: Env): string {
  const base = given ?? `http://127.0.0.1:${env.PORT ?? 8080}`;
  try {
    const u = new URL(base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(
      `--url "${base}" is not an http(s) URL; pass dispatchd's base URL, e.g. --url http://127.0.0.1:8080`,
    );
  }
  return base.replace(/\/+$/, '');
}

/** undici hides why a connection failed in `cause`; the code (ECONNREFUSED…) is what a person needs. */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
