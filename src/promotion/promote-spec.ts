import { PermanentError } from '../core/errors.js';
import { parseUpdateGitopsFlags } from '../gitops/flags.js';
import { environmentDir } from '../gitops/render/index.js';
import { envIdOf, type EnvUpdateSpec } from '../core/env-update.js';
import type { AppliedUpdate } from './applied.js';
import type { Chain } from '../config/chains.js';
import type { PromotionOrigin } from '../core/promotion-origin.js';
import { normaliseDir } from '../config/promotions.js';

/**
 * The update of `link.to` that promotes what `link.from` applied: the same source commit, the
 * same resolved values and pinned images, rendered from the next environment's directory. Its
 * head branch is that environment's default; its mode is a pull request (merged when green if
 * the link says `merge`), whatever the first environment used.
 */
export function promotedSpec(
  applied: AppliedUpdate,
  link: Chain,
  origin: PromotionOrigin,
  seq: number,
  now: number,
): { envId: string; spec: EnvUpdateSpec } {
  const from = applied.spec;
  const flags = parseUpdateGitopsFlags(from.args);
  const where = retarget(normaliseDir(from.workingSubdir), flags.filepath, link.from, link.to);
  const args = [
    ...(flags.gitRevision ? [`-git-revision=${flags.gitRevision}`] : []),
    ...Object.entries(flags.substitute).map(([k, v]) => `-substitute=${k}=${v}`),
    ...(where.filepath !== undefined ? [`-filepath=${where.filepath}`] : []),
    ...(flags.scmProvider ? [`-scm-provider=${flags.scmProvider}`] : []),
    ...(flags.apiEndpoint ? [`-api-endpoint=${flags.apiEndpoint}`] : []),
    ...(link.merge ? ['-merge-pull-request'] : []),
    ...(flags.commitMessage ? [`-commit-message=${flags.commitMessage}`] : []),
  ];
  const spec: EnvUpdateSpec = {
    ...from,
    seq,
    args,
    workingSubdir: where.workingSubdir,
    envDir: link.to,
    receivedAt: now,
    promotion: origin,
  };
  delete spec.rollback;
  return { envId: envIdOf(spec), spec };
}

/** The working subdirectory and -filepath that select `to` where the originals selected `from`. */
function retarget(
  workingSubdir: string,
  filepath: string | undefined,
  from: string,
  to: string,
): { workingSubdir: string; filepath?: string } {
  const cannot = () =>
    new PermanentError(
      'promotion_unmappable',
      `cannot promote ${from || '/'} to ${to || '/'}: the update selects its templates with workingDir "${workingSubdir}" and -filepath "${filepath ?? ''}", which do not start with ${from || '/'}`,
    );
  if (filepath === undefined) {
    if (workingSubdir !== from) throw cannot();
    return { workingSubdir: to };
  }
  const full = workingSubdir ? `${workingSubdir}/${filepath.replace(/^\.\//, '')}` : filepath.replace(/^\.\//, '');
  if (from !== '' && full !== from && !full.startsWith(`${from}/`)) throw cannot();
  const rest = from === '' ? `/${full}` : full.slice(from.length);
  const moved = to === '' ? rest.replace(/^\//, '') : `${to}${rest}`;
  if (environmentDir(moved, '') !== to) throw cannot();
  return { workingSubdir: '', filepath: moved };
}
