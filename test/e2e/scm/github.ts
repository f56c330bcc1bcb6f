import { startGithubEmulator, type GithubApp } from '../../emulators/github/emulator.js';
import { githubPushBody } from '../../helpers/github-push.js';
import { fixture, gitopsFiles } from '../fixtures.js';
import { scmDispatchfile } from './dispatchfile.js';
import type { ScmScenario } from './scenario.js';

export interface GithubScenarioOptions {
  hostName?: string;
  token?: string;
  /** Authenticate dispatchd as this GitHub App (private key PEM) instead of with the token. */
  app?: GithubApp & { privateKeyPem: string };
  /** Where the Dispatchfile aims the GitOps update; defaults to this host's GitOps repo. */
  gitopsUrl?: string;
}

/** GitHub (Enterprise layout) through its emulator, with the go-scm push payloads. */
export async function githubScenario(o: GithubScenarioOptions = {}): Promise<ScmScenario> {
  const hostName = o.hostName ?? 'github';
  const token = o.token ?? `ghp_${hostName}_token_1234567890`;
  const gh = await startGithubEmulator({ token, ...(o.app ? { app: o.app } : {}) });
  const app = 'acme/hello-world';
  const gitops = 'acme/hello-world-gitops';
  const gitopsUrl = o.gitopsUrl ?? `${gh.url}/${gitops}`;
  await gh.git.createRepo(gitops, { files: gitopsFiles });
  await gh.git.createRepo(app, { files: { Dispatchfile: scmDispatchfile(gitopsUrl, 'github'), VERSION: '1\n' } });
  const repository = (p: Record<string, unknown>, repo = app) => ({
    ...(p.repository as object),
    full_name: repo,
    name: repo.split('/').pop(),
    clone_url: `${gh.url}/${repo}.git`,
    html_url: `${gh.url}/${repo}`,
  });
  const pushBodyFor = (
    repo: string,
    branch: string,
    before: string,
    after: string,
    files: string[],
    opts: { forced?: boolean } = {},
  ): string => githubPushBody({ repo, branch, before, after, base: gh.url, files, ...opts });
  const cred = o.app
    ? `    app:\n      id: "${o.app.id}"\n      privateKey: |\n${o.app.privateKeyPem
        .trim()
        .split('\n')
        .map((l) => `        ${l}`)
        .join('\n')}`
    : `    token: ${token}`;
  return {
    kind: 'github',
    hostName,
    app,
    gitops,
    gitopsUrl,
    git: gh.git,
    hasApi: true,
    payloadListsFiles: true,
    hostYaml: (secret) =>
      `  ${hostName}:\n    kind: github\n    url: ${gh.url}\n    apiUrl: ${gh.apiUrl}\n${cred}\n    webhookSecret: ${secret}\n`,
    pushBody: (branch, before, after, files) => pushBodyFor(app, branch, before, after, files),
    pushBodyFor,
    deleteBody(branch, sha) {
      const p = fixture('github/goscm-push_branch_delete.json');
      return JSON.stringify({ ...p, ref: `refs/heads/${branch}`, before: sha, repository: repository(p) });
    },
    openPulls: () =>
      gh
        .pulls(gitops)
        .filter((p) => p.state === 'open')
        .map((p) => ({ number: p.number, head: p.head, base: p.base, title: p.title, body: p.body ?? '' })),
    pullsCreated: () => gh.count('POST /repos/{owner}/{repo}/pulls'),
    pullUrl: (n) => new RegExp(`^${gh.url}/${gitops}/pull/${n}$`),
    statuses: (sha) =>
      gh
        .statuses(app, sha)
        .map((s) => ({ context: s.context, state: s.state, url: s.targetUrl ?? '', description: s.description ?? '' })),
    apiCalls: () => gh.calls,
    compareCalls: () => gh.calls.filter((c) => c.route.includes('/compare/')).length,
    pullsFrom: (head) => gh.pulls(gitops).filter((p) => p.head === head).length,
    refTipCalls: () => gh.calls.filter((c) => c.route.startsWith('GET /repos/{owner}/{repo}/git/ref/')).length,
    close: () => gh.close(),
  };
}
