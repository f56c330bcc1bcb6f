import type { DispatchdConfig } from '../../config/schema.js';
import type { EnvUpdateSpec } from '../../core/env-update.js';
import { git } from '../../git/run.js';
import { formatTrailers } from '../commit-trailers.js';
import { commitMessage } from '../pr-text.js';
import { writeRendered } from '../render/index.js';
import type { Edited } from './edit.js';
import type { PreparedUpdate } from './prepare.js';

/**
 * Step 4: write the changed files and commit them on the base, with the trailers that make the
 * environment's state recomputable from git (Dispatchd-Env/Source/Commit/Ref).
 */
export async function commitUpdate(
  wt: string,
  config: DispatchdConfig,
  envId: string,
  spec: EnvUpdateSpec,
  p: PreparedUpdate,
  edited: Edited,
): Promise<void> {
  await writeRendered(wt, edited.changed);
  await git(['add', '--', ...edited.changed.map((f) => f.path)], { cwd: wt });
  const trailers = formatTrailers({
    env: envId,
    source: `${spec.source.host}:${spec.source.fullName}`,
    commit: spec.source.sha,
    ref: spec.source.ref,
  });
  const message = `${commitMessage(spec, p.gitRevision, p.flags.commitMessage)}\n\n${trailers}\n`;
  const { name, email } = config.committer;
  // `git commit` runs `git maintenance run --auto` and waits for it: one more process on the way
  // to the push. The mirror's housekeeping runs after its fetches instead (mirrors.ts, maintainLater).
  await git(
    [
      '-c',
      `user.name=${name}`,
      '-c',
      `user.email=${email}`,
      '-c',
      'maintenance.auto=false',
      'commit',
      '--quiet',
      '--no-verify',
      '-F',
      '-',
    ],
    { cwd: wt, input: message },
  );
}
