import path from 'node:path';
import { PermanentError } from '../../core/errors.js';
import type { UpdateGitopsFlags } from '../flags.js';
import { environmentDir } from '../render/filepath.js';

const inside = (dir: string, file: string) => dir === '' || file === dir || file.startsWith(`${dir}/`);

/** The directory part of an edit's file, as environmentDir reads a -filepath without globs. */
const editDir = (file: string, workingSubdir: string) => environmentDir(file, workingSubdir);

/**
 * The environment a step updates. With -filepath it is the directory -filepath names, and every
 * edited file must lie inside it (one pull request per environment); with edits alone it is the
 * deepest directory that holds all the edited files.
 */
export function stepEnvironmentDir(
  flags: Pick<UpdateGitopsFlags, 'filepath' | 'edits'>,
  workingSubdir: string,
): string {
  const files = flags.edits.map((e) => ({ flag: e.flag, file: e.raw.slice(0, Math.max(e.raw.indexOf(':'), 0)) }));
  if (flags.filepath !== undefined || files.length === 0) {
    const env = environmentDir(flags.filepath, workingSubdir);
    for (const f of files) {
      const target = path.posix.join(environmentDir(undefined, workingSubdir) || '.', f.file);
      if (!inside(env, target))
        throw new PermanentError(
          'gitops_edit_outside_environment',
          `-${f.flag} edits ${target}, outside the environment "${env || '.'}" that -filepath selects; one step updates one environment: move the edit to a step of its own`,
        );
    }
    return env;
  }
  const dirs = files.map((f) => editDir(f.file, workingSubdir).split('/').filter(Boolean));
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0]![i]); i += 1) common.push(dirs[0]![i]!);
  return common.join('/');
}
