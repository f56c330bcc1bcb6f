import { startGitServer } from '../../helpers/git-server.js';
import { gitopsFiles } from '../fixtures.js';
import { scmDispatchfile } from './dispatchfile.js';
import type { ScmScenario } from './scenario.js';

const USER = 'deploy';
const PASSWORD = 'git-e2e-password';

/**
 * A plain git host (kind `git`): repositories over smart HTTP behind Basic auth, pushes announced
 * by scripts/git-post-receive's body. No pull requests or statuses: the update lands on the head
 * branch, and `paths` is decided by `git diff` in dispatchd's mirror.
 */
export async function gitScenario(): Promise<ScmScenario> {
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const server = await startGitServer({ auth: (authorization) => authorization === expected });
  const gitopsUrl = `${server.url}/acme/hello-world-gitops.git`;
  await server.createRepo('acme/hello-world-gitops', { files: gitopsFiles });
  await server.createRepo('acme/hello-world', {
    files: { Dispatchfile: scmDispatchfile(gitopsUrl, 'git'), VERSION: '1\n' },
  });
  const none = () => {
    throw new Error('a plain git host has no pull requests or statuses');
  };
  return {
    kind: 'git',
    hostName: 'git',
    app: 'acme/hello-world.git',
    gitops: 'acme/hello-world-gitops.git',
    gitopsUrl,
    git: server,
    onGit: { app: 'acme/hello-world', gitops: 'acme/hello-world-gitops' },
    hasApi: false,
    payloadListsFiles: false,
    hostYaml: (secret) =>
      `  git:\n    kind: git\n    url: ${server.url}\n    username: ${USER}\n    password: ${PASSWORD}\n    webhookSecret: ${secret}\n`,
    // What scripts/git-post-receive sends for one ref.
    pushBody: (branch, before, after) =>
      JSON.stringify({ repo: 'acme/hello-world.git', ref: `refs/heads/${branch}`, before, after, pusher: 'jdoe' }),
    deleteBody: (branch, sha) =>
      JSON.stringify({
        repo: 'acme/hello-world.git',
        ref: `refs/heads/${branch}`,
        before: sha,
        after: '0'.repeat(40),
        pusher: 'jdoe',
      }),
    openPulls: none,
    pullsCreated: none,
    pullUrl: none,
    statuses: none,
    compareCalls: () => 0,
    close: () => server.close(),
  };
}
