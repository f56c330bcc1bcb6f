import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitFloor {
  /** One timed fetch + commit + push of `content` to `path`; returns milliseconds. */
  once(path: string, content: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The floor for push → PR: what any tool must do to land the same change in the GitOps repo over
 * the same git http-backend: `git fetch`, write the file, `git add`, `git commit`, `git push`. The clone is
 * made once, untimed, as a long-running service keeps its mirror.
 */
export async function startGitFloor(remoteUrl: string, authorization: string, branch: string): Promise<GitFloor> {
  const dir = await mkdtemp(join(tmpdir(), 'dispatchd-floor-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: ${authorization}`,
  };
  const git = (args: string[]) => run('git', args, { cwd: dir, env });
  await git(['clone', '--quiet', remoteUrl, '.']);
  await git(['checkout', '--quiet', '-b', branch]);
  return {
    async once(path, content) {
      const t = performance.now();
      await git(['fetch', '--quiet', 'origin']);
      await writeFile(join(dir, path), content);
      await git(['add', '--', path]);
      await git([
        '-c',
        'user.name=floor',
        '-c',
        'user.email=floor@localhost',
        'commit',
        '--quiet',
        '--no-verify',
        '-m',
        'floor',
      ]);
      await git(['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`]);
      return performance.now() - t;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
