import { mkdir, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../git/run.js';

const AUTHOR = ['-c', 'user.name=Demo Developer', '-c', 'user.email=dev@example.com'];

/** Creates a bare repository whose `main` holds `files`, through a throw-away clone. */
export async function createBareRepo(bare: string, files: Record<string, string>, work: string): Promise<void> {
  await mkdir(bare, { recursive: true });
  await git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  await rm(work, { recursive: true, force: true });
  await git(['clone', '--quiet', `file://${bare}`, work]);
  await git(['checkout', '--quiet', '-B', 'main'], { cwd: work });
  // So that the "send another push" commands printed by the demo work on a machine with no git identity.
  await git(['config', 'user.name', 'Demo Developer'], { cwd: work });
  await git(['config', 'user.email', 'dev@example.com'], { cwd: work });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), text);
  }
  await git(['add', '-A'], { cwd: work });
  await git([...AUTHOR, 'commit', '--quiet', '-m', 'Initial commit'], { cwd: work });
  await git(['push', '--quiet', 'origin', 'main'], { cwd: work });
}

/** Installs dispatchd's post-receive hook in a bare repository, pointed at a receiver. */
export async function installHook(
  bare: string,
  hookScript: string,
  cfg: { url: string; secret: string; repo: string },
): Promise<void> {
  const hook = join(bare, 'hooks', 'post-receive');
  await copyFile(hookScript, hook);
  await chmod(hook, 0o755);
  await git(['config', 'dispatchd.url', cfg.url], { cwd: bare });
  await git(['config', 'dispatchd.secret', cfg.secret], { cwd: bare });
  await git(['config', 'dispatchd.repo', cfg.repo], { cwd: bare });
}

/** Commits a change in the work clone and pushes it to `branch`: the hook sends the webhook. */
export async function pushChange(
  work: string,
  branch: string,
  version: string,
): Promise<{ sha: string; output: string }> {
  await git(['checkout', '--quiet', '-B', branch], { cwd: work });
  await writeFile(join(work, 'VERSION'), `${version}\n`);
  await git(['add', 'VERSION'], { cwd: work });
  await git([...AUTHOR, 'commit', '--quiet', '-m', `Release ${version}`], { cwd: work });
  const sha = (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
  const output = await git(['push', '--porcelain', 'origin', `${branch}:${branch}`], {
    cwd: work,
    env: { GIT_FLUSH: '1' },
  });
  return { sha, output };
}
