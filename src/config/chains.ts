import type { DispatchdConfig } from './schema.js';
import { PermanentError } from '../core/errors.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { PromotionLink } from './promotions.js';

type Config = Pick<DispatchdConfig, 'gitops'>;

/** A promotion link with the GitOps repository (`<host>:<owner/name>`) that declares it. */
export interface Chain extends PromotionLink {
  repo: string;
}

export const chainKey = (c: Pick<Chain, 'repo' | 'from' | 'to'>) => `${c.repo}|${c.from}|${c.to}`;

export function chains(config: Config): Chain[] {
  return config.gitops.flatMap((g) => (g.promotions ?? []).map((l) => ({ ...l, repo: g.repo })));
}

/** The links that promote out of (repo, dir). */
export const chainsFrom = (config: Config, repo: string, dir: string) =>
  chains(config).filter((c) => c.repo === repo && c.from === dir);

/** The link that feeds (repo, dir), if any. */
export const chainInto = (config: Config, repo: string, dir: string) =>
  chains(config).find((c) => c.repo === repo && c.to === dir);

/**
 * An environment fed by a chain takes only promotions (and rollbacks) unless its link says
 * `pushes: true`: otherwise a push could reach production without passing staging's gate.
 */
export function checkFedByPush(config: Config, spec: EnvUpdateSpec): void {
  if (spec.promotion || spec.rollback) return;
  const repo = `${spec.target.host}:${spec.target.fullName}`;
  const link = chainInto(config, repo, spec.envDir);
  if (link && !link.pushes)
    throw new PermanentError(
      'gitops_promotion_only',
      `${spec.envDir || '/'} of ${spec.target.fullName} is fed by promotion from ${link.from || '/'} (gitops[].promotions), not by pushes; set pushes: true on that link to allow both`,
    );
}
