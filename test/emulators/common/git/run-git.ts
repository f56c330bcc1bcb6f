import { spawn } from 'node:child_process';

export interface GitRun {
  /** stdout as bytes, for blobs that may not be text. */
  out: Buffer;
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitRunOptions {
  /** Run against this (bare) repository: sets GIT_DIR. */
  gitDir?: string;
  cwd?: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Return a non-zero exit instead of throwing (for "does this ref exist" questions). */
  allowFail?: boolean;
}

// Keep the user's ~/.gitconfig and system config out of the rig so results do not depend on
// whoever runs the tests.
const ISOLATED_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/** Runs `git args…` and collects its output. Throws with git's stderr when it fails. */
export function runGit(args: string[], opts: GitRunOptions = {}): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...ISOLATED_ENV, ...opts.env };
    if (opts.gitDir !== undefined) env.GIT_DIR = opts.gitDir;
    const child = spawn('git', args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new Error(`could not start git (${e.message}); install git 2.38 or newer`)));
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      const run = {
        out: bytes,
        stdout: bytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? 1,
      };
      if (run.code !== 0 && opts.allowFail !== true) {
        reject(new Error(`git ${args.join(' ')} failed (exit ${run.code}): ${run.stderr.trim()}`));
      } else {
        resolve(run);
      }
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all input
    child.stdin.end(opts.input);
  });
}
