import { startBitbucketServerEmulator } from '../emulators/bitbucket-server/emulator.js';
import { bitbucketServerPullRequestBody } from '../helpers/bitbucket-pull-request.js';
import { pullRequestTriggerSuite } from './scm/pull-request-suite.js';

const TOKEN = 'bbs-pr-triggers-http-access-token';
const APP = 'PROJ/hello-world';
const GITOPS = 'PROJ/hello-world-gitops';
const STATE: Record<string, string> = { SUCCESSFUL: 'success', FAILED: 'failure', INPROGRESS: 'pending' };
const EVENTS = { opened: 'pr:opened', updated: 'pr:from_ref_updated' };

pullRequestTriggerSuite('pull_request actions fire on source-repository pull requests (Bitbucket Server)', async () => {
  const bb = await startBitbucketServerEmulator({ token: TOKEN });
  return {
    kind: 'bitbucket-server',
    hostName: 'bitbucket-dc',
    app: APP,
    gitops: GITOPS,
    gitopsUrl: `${bb.url}/${GITOPS}`,
    git: bb.git,
    hostYaml: (secret) =>
      `  bitbucket-dc: {kind: bitbucket-server, url: "${bb.url}", apiUrl: "${bb.apiUrl}", token: ${TOKEN}, webhookSecret: ${secret}}`,
    hook: (h) => ({
      event: EVENTS[h.action],
      body: bitbucketServerPullRequestBody(
        {
          repo: APP,
          id: h.id,
          source: h.source,
          target: 'main',
          sha: h.sha,
          ...(h.forkOf ? { forkOf: h.forkOf } : {}),
        },
        EVENTS[h.action],
      ),
    }),
    openPulls: () =>
      bb
        .pulls(GITOPS)
        .filter((p) => p.state === 'OPEN')
        .map((p) => ({ head: p.fromRef.replace(/^refs\/heads\//, ''), base: p.toRef.replace(/^refs\/heads\//, '') })),
    status: (sha, key) => {
      const s = bb
        .statuses(APP, sha)
        .filter((x) => x.key === key)
        .at(-1);
      return (
        s && {
          state: STATE[s.state] ?? s.state,
          description: s.description ?? '',
        }
      );
    },
    close: () => bb.close(),
  };
});
