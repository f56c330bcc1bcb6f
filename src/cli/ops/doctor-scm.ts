import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispatchdConfig } from '../../config/schema.js';
import { createMirrors } from '../../git/mirrors.js';
import { classifyHttpFailure } from '../../scm/http-errors.js';
import { createProviders } from '../../scm/providers.js';
import { fail, ok, warn, within, type Check } from './check.js';
import { githubClients } from './github-client.js';

interface RepoNeed {
  repo: string;
  /** Source repositories need read (Dispatchfile) and commit statuses; GitOps repos push and PRs. */
  role: 'source' | 'gitops';
}

/** The repositories dispatchd uses on one host: served sources and granted GitOps targets. */
export function reposOf(config: DispatchdConfig, hostName: string): RepoNeed[] {
  const list: RepoNeed[] = config.repositories
    .filter((r) => r.host === hostName)
    .map((r) => ({ repo: r.repo, role: 'source' }));
  for (const g of config.gitops) {
    const [h, repo] = [g.repo.slice(0, g.repo.indexOf(':')), g.repo.slice(g.repo.indexOf(':') + 1)];
    if (h === hostName && !list.some((x) => x.repo === repo && x.role === 'gitops'))
      list.push({ repo, role: 'gitops' });
  }
  return list;
}

type Probe = (need: RepoNeed) => Promise<Check>;

/**
 * GitHub answers a repository read with the caller's `permissions`; a token that can read but not
 * push cannot set commit statuses or push the GitOps branch. Installation tokens carry no such
 * field: the app's permissions were fixed when it was installed.
 */
function githubProbe(hostName: string, config: DispatchdConfig): Probe {
  const client = githubClients(hostName, config.hosts[hostName]!);
  return async ({ repo, role }) => {
    const [owner = '', name = ''] = repo.split('/');
    const o = await client(repo);
    const { data } = await o.repos
      .get({ owner, repo: name })
      .catch((err: { status?: number; response?: { headers?: Record<string, string> }; message: string }) => {
        throw classifyHttpFailure(`${hostName}: read ${repo}`, {
          status: err.status,
          headers: err.response?.headers,
          message: err.message,
        });
      });
    const what = `${hostName}: ${repo} (${role}) readable, default branch ${data.default_branch}`;
    if (data.permissions && !data.permissions.push) {
      return fail(
        `${what}, but the credentials cannot push`,
        role === 'gitops'
          ? 'grant write access: dispatchd pushes a branch and opens pull requests here'
          : 'grant write access (classic token: repo; fine-grained: Commit statuses read and write): dispatchd sets commit statuses here',
      );
    }
    return ok(`${what}${data.permissions ? ', push allowed' : ''}`);
  };
}

/** Other kinds: the provider's own default-branch call, the same auth and error wording the workers use. */
function providerProbe(hostName: string, config: DispatchdConfig): Probe {
  const provider = createProviders(config, createMirrors(join(tmpdir(), 'dispatchd-doctor'))).for(hostName);
  return async ({ repo, role }) =>
    ok(`${hostName}: ${repo} (${role}) readable, default branch ${await provider.defaultBranch(repo)}`);
}

/**
 * One host: each repository it serves or receives GitOps updates in is read with the host's
 * credentials (the first read is the credential check itself). A 401 fails the host line; any
 * other refusal fails that repository's line.
 */
export async function checkHost(config: DispatchdConfig, hostName: string, timeoutMs: number): Promise<Check[]> {
  const host = config.hosts[hostName]!;
  const label = `${hostName} (${host.kind} at ${host.url})`;
  const needs = reposOf(config, hostName);
  if (needs.length === 0)
    return [
      warn(
        `${label}: no repository uses this host, so its credentials were not tried`,
        'add it to repositories: or a gitops grant, or remove the host',
      ),
    ];
  let probe: Probe;
  try {
    probe = host.kind === 'github' ? githubProbe(hostName, config) : providerProbe(hostName, config);
  } catch (err) {
    return [fail(`${label}: ${(err as Error).message}`, '')];
  }
  const checks: Check[] = [];
  let rejected = false;
  for (const need of needs) {
    try {
      checks.push(await within(timeoutMs, `${hostName}: ${need.repo}`, probe(need)));
    } catch (err) {
      const e = err as { status?: number; code?: string; message?: string };
      if (e.status === 401 || e.code === 'scm_http_401' || e.code === 'github_app_rejected') rejected = true;
      checks.push(fail(`${hostName}: ${need.repo} (${need.role}): ${e.message ?? String(err)}`, ''));
    }
  }
  const readable = checks.filter((c) => c.state === 'ok').length;
  const head = rejected
    ? fail(
        `${label}: credentials rejected`,
        `replace hosts.${hostName}.${host.app ? 'app' : host.token ? 'token' : 'username/password'} in the config`,
      )
    : readable === 0
      ? fail(`${label}: none of its ${needs.length} repositories could be read`, 'see the lines below')
      : ok(
          `${label}: credentials work for ${readable} of ${needs.length} repositor${needs.length === 1 ? 'y' : 'ies'}`,
        );
  return [head, ...checks];
}
