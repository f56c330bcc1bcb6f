/** Where the GitHub emulator is and what it accepts, for the service's config. */
export interface GithubConfigInput {
  url: string;
  apiUrl: string;
  token: string;
  secret: string;
  /** Source repositories served. */
  repos: string[];
  gitops: string;
  grantPaths?: string[];
  /** Base branches the rules grant (default: only the repository's default branch). */
  bases?: string[];
  /** A second rule granting these refs the `direct` and `merge` modes (tests of those modes). */
  privileged?: { branches: string[]; modes: ('direct' | 'merge')[] };
  /** The grant's promotion chains (gitops[].promotions), as objects. */
  promotions?: object[];
  /** The grant's `poll` (promotion checks and merge waits), e.g. `{ first: '250ms', max: '1s' }`. */
  poll?: { first: string; max: string };
  /** The grant's `merge` settings (merge when green), as given. */
  merge?: { method?: string; timeout?: string; requiredChecks?: string[]; native?: boolean };
  /** `${DATA_DIR}` (startStack fills it) or a path. */
  dataDir?: string;
}

/**
 * The YAML config of one `github` host on the emulator, serving `repos` and granting `acme/*`
 * writes to `gitops`: what the end-to-end, ops and bench rigs all start from.
 */
export function githubConfigYaml(c: GithubConfigInput): string {
  return `
hosts:
  github:
    kind: github
    url: ${c.url}
    apiUrl: ${c.apiUrl}
    token: ${c.token}
    webhookSecret: ${c.secret}
repositories:
${c.repos.map((r) => `  - host: github\n    repo: ${r}`).join('\n')}
gitops:
  - repo: github:${c.gitops}
    allow:
      - from: "github:acme/*"
        paths: ${JSON.stringify(c.grantPaths ?? ['staging/**', 'production/**'])}
${c.bases ? `        bases: ${JSON.stringify(c.bases)}\n` : ''}${
    c.privileged
      ? `      - from: "github:acme/*"\n        branches: ${JSON.stringify(c.privileged.branches)}\n        modes: ` +
        `${JSON.stringify(['pull-request', ...c.privileged.modes])}\n        paths: ` +
        `${JSON.stringify(c.grantPaths ?? ['staging/**', 'production/**'])}\n${c.bases ? `        bases: ${JSON.stringify(c.bases)}\n` : ''}`
      : ''
  }${grantField('poll', c.poll)}${grantField('promotions', c.promotions)}${grantField('merge', c.merge)}dataDir: ${c.dataDir ?? '${DATA_DIR}'}
`;
}

/** One more key of the GitOps grant, as flow YAML (JSON), when given. */
const grantField = (key: string, value: unknown): string =>
  value === undefined ? '' : `    ${key}: ${JSON.stringify(value)}\n`;
