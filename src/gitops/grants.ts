import { MergeSettings, type DispatchdConfig, type GitopsGrant, type GrantMode } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import { compileGlobs, matchesGlobs } from '../dispatchfile/glob.js';
import { compileGlob } from '../dispatchfile/glob-matcher.js';
import { repoKey, type RepoId } from '../core/repo-id.js';

type Rule = GitopsGrant['allow'][number];

/** What one update asks of the operator's grants: who writes where, from which ref, how. */
export interface Deployment {
  source: RepoId;
  target: RepoId;
  ref: { type: 'branch' | 'tag'; name: string };
  mode: GrantMode;
  /** Planned by a Dispatchfile `pull_request` action: `ref` is the pull request's head branch. */
  pullRequest?: boolean;
}

/** The base branch an update targets, and whether it is the repository's default branch. */
export interface BaseBranch {
  name: string;
  isDefault: boolean;
}

const MODE_NAME: Record<GrantMode, string> = {
  'pull-request': 'a pull request',
  direct: 'a direct commit (-create-pull-request=false)',
  merge: 'a merge (-merge-pull-request)',
};

/** `<host>:<name glob>`: the host exactly (or `*`), the name by glob; `**` is every repository. */
export function fromMatches(from: string, source: RepoId): boolean {
  const colon = from.indexOf(':');
  const host = from.slice(0, colon);
  return (host === '*' || host === source.host) && compileGlobs([from.slice(colon + 1)]).matches(source.fullName);
}

/** The refs a rule names; undefined when it names none (any ref, pull requests only). */
function ruleRefs(rule: Rule, ref: Deployment['ref']): string[] | undefined {
  if (rule.branches === undefined && rule.tags === undefined) return undefined;
  return (ref.type === 'branch' ? rule.branches : rule.tags) ?? [];
}

const refAllowed = (rule: Rule, ref: Deployment['ref']) => {
  const refs = ruleRefs(rule, ref);
  // An empty list (a rule for tags only, asked about a branch) grants nothing; compileGlobs([]) would match all.
  return refs === undefined || (refs.length > 0 && compileGlobs(refs).matches(ref.name));
};

// direct and merge skip the reviewer, so a rule grants them only for refs it lists by name.
const modeAllowed = (rule: Rule, d: Deployment) =>
  rule.modes.includes(d.mode) && (d.mode === 'pull-request' || ruleRefs(rule, d.ref) !== undefined);

const baseAllowed = (rule: Rule, base: BaseBranch) =>
  rule.bases === undefined ? base.isDefault : matchesGlobs(rule.bases, base.name);

// Statuses keep about 140 characters, so the missing grant field comes first.
function refuse(d: Deployment, why: string): never {
  throw new PermanentError(
    'gitops_not_granted',
    `not granted: ${why}; ${repoKey(d.source)} ${d.pullRequest ? 'pull request from ' : ''}${d.ref.type} ${d.ref.name} → ${repoKey(d.target)}; ask the operator to extend the gitops grant`,
  );
}

/**
 * The rules of every grant that allow this deployment (they combine: a union). Checked before any
 * fetch; the message names the grant field that is missing, never the config's contents (statuses
 * are public on public repositories).
 */
export function grantedRules(config: DispatchdConfig, d: Deployment, base?: BaseBranch): Rule[] {
  const grants = config.gitops.filter((g) => g.repo === repoKey(d.target));
  if (grants.length === 0) refuse(d, `no grant names ${repoKey(d.target)} (gitops[].repo)`);
  let rules = grants.flatMap((g) => g.allow).filter((r) => fromMatches(r.from, d.source));
  if (rules.length === 0) refuse(d, `no rule names ${repoKey(d.source)} (allow[].from)`);
  const refField = `allow[].${d.ref.type === 'branch' ? 'branches' : 'tags'}`;
  if (d.pullRequest) {
    rules = rules.filter((r) => r.pullRequests);
    if (rules.length === 0) refuse(d, 'a pull_request action needs allow[].pullRequests: true');
  }
  rules = rules.filter((r) => refAllowed(r, d.ref));
  if (rules.length === 0) refuse(d, `${d.ref.type} ${d.ref.name} is in no ${refField}`);
  rules = rules.filter((r) => modeAllowed(r, d));
  if (rules.length === 0) {
    refuse(
      d,
      d.mode === 'pull-request'
        ? 'pull requests need allow[].modes'
        : `${MODE_NAME[d.mode]} needs "${d.mode}" in allow[].modes and the ${d.ref.type} in ${refField}`,
    );
  }
  if (base) {
    rules = rules.filter((r) => baseAllowed(r, base));
    if (rules.length === 0) refuse(d, `base ${base.name} needs allow[].bases (default: the default branch only)`);
  }
  return rules;
}

/** Paths (relative to the GitOps repository root) must each be in some granted rule's `paths`. */
export function checkGrantedPaths(config: DispatchdConfig, d: Deployment, base: BaseBranch, paths: string[]): void {
  const refusedBy = (rules: Rule[]) => {
    const allowed = rules.flatMap((r) => r.paths).map((p) => compileGlob(p, { negate: true }));
    return paths.filter((p) => !allowed.some((m) => m.test(p)));
  };
  const refused = refusedBy(grantedRules(config, d, base));
  if (refused.length > 0) {
    // A pull request's update (or one promoted from it) sees only pullRequests rules: when a rule
    // without it has the paths, that flag is what to add, not the paths.
    if (d.pullRequest && refusedBy(rulesOrNone(config, { ...d, pullRequest: false }, base)).length === 0)
      throw new PermanentError(
        'gitops_not_granted',
        `not granted: ${refused.join(', ')} only in rules without allow[].pullRequests: true, which a pull request's update ` +
          `(or one promoted from it) needs; ${repoKey(d.source)} → ${repoKey(d.target)}; ask the operator to extend the gitops grant`,
      );
    throw new PermanentError(
      'gitops_path_not_granted',
      `not granted: ${refused.join(', ')} in no allow[].paths; ${repoKey(d.source)} → ${repoKey(d.target)}; ask the operator to extend the gitops grant`,
    );
  }
}

function rulesOrNone(config: DispatchdConfig, d: Deployment, base: BaseBranch): Rule[] {
  try {
    return grantedRules(config, d, base);
  } catch {
    return [];
  }
}

/** The mode an update's flags ask for. */
export function modeOf(flags: { createPullRequest: boolean; mergePullRequest: boolean }): GrantMode {
  if (!flags.createPullRequest) return 'direct';
  return flags.mergePullRequest ? 'merge' : 'pull-request';
}

/** How pull requests of a GitOps repository are merged: its grant's `merge` block, else the defaults. */
export function mergeSettingsFor(config: DispatchdConfig, target: RepoId): MergeSettings {
  return config.gitops.find((g) => g.repo === repoKey(target))?.merge ?? MergeSettings.parse({});
}

/**
 * The GitOps repositories some grant lets this source ref write to, in any mode: where a push of
 * that ref can land (src/gitops/prefetch.ts fetches their mirrors while the plan runs).
 */
export function targetsGrantedTo(config: DispatchdConfig, source: RepoId, ref: Deployment['ref']): RepoId[] {
  return config.gitops
    .filter((g) => g.allow.some((r) => fromMatches(r.from, source) && refAllowed(r, ref)))
    .map((g) => {
      const colon = g.repo.indexOf(':');
      return { host: g.repo.slice(0, colon), fullName: g.repo.slice(colon + 1) };
    });
}
