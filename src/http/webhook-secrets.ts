import type { DispatchdConfig } from '../config/schema.js';
import { WebhookError } from '../core/errors.js';

/** One host's secrets as the parsers see them, and whom each one speaks for. */
export interface HostSecrets {
  /** The host's secrets and its repositories' own, each once: `WebhookContext.secrets`. */
  secrets: string[];
  /**
   * Throws 401 unless every secret that verified the request (indexes into `secrets`, as
   * `WebhookParser.verify` returns them) may speak for `repo`: its own secrets when it has
   * some, else the host's. A repository's secret never vouches for another repository.
   */
  check(matched: number[], repo: string): void;
}

/**
 * Built once from the config, so the hot path only looks up sets. Secrets are compared by value
 * here, at start-up; per request only the index the parser found is looked up.
 */
export function webhookSecrets(config: DispatchdConfig): Record<string, HostSecrets> {
  const out: Record<string, HostSecrets> = {};
  for (const [name, host] of Object.entries(config.hosts)) {
    const secrets: string[] = [];
    const indexOf = (s: string) => {
      const i = secrets.indexOf(s);
      return i >= 0 ? i : secrets.push(s) - 1;
    };
    const hostOwn = new Set((host.webhookSecret ?? []).map(indexOf));
    // A repository listed twice (e.g. with two Dispatchfiles) accepts the secrets of both entries.
    const byRepo = new Map<string, Set<number>>();
    for (const r of config.repositories) {
      if (r.host !== name || !r.webhookSecret) continue;
      const own = byRepo.get(r.repo) ?? new Set<number>();
      for (const s of r.webhookSecret) own.add(indexOf(s));
      byRepo.set(r.repo, own);
    }
    out[name] = {
      secrets,
      check(matched, repo) {
        const own = byRepo.get(repo);
        const allowed = own ?? hostOwn;
        if (matched.length > 0 && matched.every((i) => allowed.has(i))) return;
        throw own
          ? new WebhookError(
              401,
              'repository_secret_required',
              `repository ${repo} has its own webhook secret (repositories[].webhookSecret): only a request signed with it is accepted for ` +
                `this repository, not one signed with host ${name}'s secret or another repository's; set the repository's secret on its webhook`,
            )
          : new WebhookError(
              401,
              'host_secret_required',
              `repository ${repo} has no webhook secret of its own, so only host ${name}'s webhookSecret verifies its pushes; this request was signed with another repository's secret`,
            );
      },
    };
  }
  return out;
}
