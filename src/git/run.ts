import { execFile } from 'node:child_process';
import { DispatchError, PermanentError, TransientError } from '../core/errors.js';
import type { GitRemote } from './remote.js';

export interface GitOptions {
  cwd?: string;
  /** Credentials for the remote, passed as `http.extraHeader` through the environment. */
  remote?: GitRemote;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs git. Credentials travel as GIT_CONFIG_* environment entries (git ≥ 2.31), so they never
 * appear on a command line (visible in `ps`), in a remote URL or in `.git/config`.
 */
export function git(args: string[], opts: GitOptions = {}): Promise<string> {
  const env: Record<string, string> = {
    ...pickEnv(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    GIT_CONFIG_NOSYSTEM: '1',
    ...opts.env,
  };
  const headers = Object.entries(opts.remote?.headers ?? {});
  env.GIT_CONFIG_COUNT = String(headers.length);
  headers.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = 'http.extraHeader';
    env[`GIT_CONFIG_VALUE_${i}`] = `${k}: ${v}`;
  });
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: opts.cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(classify(args, String(stderr), err));
        else resolve(String(stdout));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Keeps only what git needs from the process environment (HOME for its config, PATH to run). */
function pickEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k]) out[k] = process.env[k]!;
  return out;
}

/** Network and server faults are worth retrying; authentication and missing repos are not. */
function classify(args: string[], stderr: string, err: Error): DispatchError {
  // Name the subcommand (not a leading `-c k=v`), and keep git's own words minus its hints.
  const sub = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? args[0];
  const said = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  const what = `git ${sub} failed: ${said.slice(-3).join(' | ') || err.message}`;
  // The branch moved under us (lease, non-fast-forward): fetch again and retry.
  if (/\[rejected\].*\((stale info|fetch first|non-fast-forward)\)/.test(stderr))
    return new DispatchError('git_push_rejected', what);
  // The server refused the push itself (pre-receive hook, branch protection): retrying cannot
  // help, and its own words ("remote: …") say what to change.
  if (/\[remote rejected\]|pre-receive hook declined|protected branch/i.test(stderr)) {
    const remote = said
      .filter((l) => l.startsWith('remote:'))
      .map((l) => l.replace(/^remote:\s*/, ''))
      .filter(Boolean);
    return new PermanentError(
      'git_push_refused',
      `git ${sub} was refused by the server: ${[...remote, ...said.filter((l) => /remote rejected/.test(l))].join(' | ')}`,
    );
  }
  // Status codes only as git reports them: the URL in the same line may hold any digits (a port).
  if (
    /Authentication failed|could not read Username|returned error: 40[13]\b|terminal prompts disabled/i.test(stderr)
  ) {
    return new PermanentError(
      'git_auth',
      `${what}. Check the host's token and that it may read and push this repository`,
    );
  }
  if (
    /not found|does not appear to be a git repository|Repository not found/i.test(stderr) &&
    !/unable to access/i.test(stderr)
  ) {
    return new PermanentError('git_not_found', `${what}. Check the repository URL`);
  }
  if (
    /unable to access|Could not resolve|Connection refused|timed out|The remote end hung up|early EOF|returned error: 5\d\d\b/i.test(
      stderr,
    )
  ) {
    return new TransientError('git_network', what);
  }
  return new DispatchError('git_failed', what);
}
