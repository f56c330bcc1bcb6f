import type { DispatchdConfig } from './schema.js';

/** Cross-field checks zod cannot express: names that must refer to configured hosts. */
export function checkReferences(config: DispatchdConfig): string[] {
  const problems: string[] = [];
  const hosts = config.hosts;
  if (Object.keys(hosts).length === 0) problems.push('hosts: configure at least one SCM host');
  for (const [name, host] of Object.entries(hosts)) {
    const hasCredential = host.token || (host.username && host.password) || host.app;
    if (host.kind !== 'git' && !hasCredential) {
      problems.push(`hosts.${name}: set token, username + password, or (GitHub) app: {id, privateKey}`);
    }
    if (host.app && host.kind !== 'github')
      problems.push(`hosts.${name}.app: GitHub App credentials only apply to kind github`);
    if (host.username && !host.password) problems.push(`hosts.${name}: username needs a password (or app password)`);
    if (!host.webhookSecret) problems.push(`hosts.${name}.webhookSecret: required, so that webhooks can be verified`);
  }
  config.repositories.forEach((r, i) => {
    if (!hosts[r.host])
      problems.push(
        `repositories.${i}.host: "${r.host}" is not a configured host (${Object.keys(hosts).join(', ') || 'none'})`,
      );
  });
  config.gitops.forEach((g, i) => {
    const hostName = g.repo.split(':')[0]!;
    if (!hosts[hostName]) problems.push(`gitops.${i}.repo: host "${hostName}" is not configured`);
    g.allow.forEach((a, j) => {
      const colon = a.from.indexOf(':');
      const from = a.from.slice(0, colon);
      const name = a.from.slice(colon + 1);
      if (!hosts[from] && from !== '*') problems.push(`gitops.${i}.allow.${j}.from: host "${from}" is not configured`);
      // "*" stops at "/", and SCM repository names are owner/name: such a pattern matches nothing.
      const named =
        from === '*'
          ? Object.values(hosts).every((h) => h.kind !== 'git')
          : hosts[from] !== undefined && hosts[from].kind !== 'git';
      if (named && !name.includes('/') && !name.includes('**')) {
        problems.push(
          `gitops.${i}.allow.${j}.from: "${a.from}" can never match: repository names are owner/name and "*" ` +
            `stops at "/"; write "${from}:**" for every repository of the host or "${from}:<owner>/*" for one owner`,
        );
      }
      if ((a.modes.includes('direct') || a.modes.includes('merge')) && !a.branches && !a.tags) {
        problems.push(
          `gitops.${i}.allow.${j}.modes: "direct" and "merge" skip the reviewer, so they apply only to the refs a rule lists: add branches (or tags)`,
        );
      }
    });
  });
  return problems;
}
