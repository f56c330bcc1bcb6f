import { githubPushBody } from '../../test/helpers/github-push.js';

export const BENCH_SECRET = 'bench-webhook-secret';
export const BENCH_REPO = 'acme/hello-world';

/**
 * A real GitHub push body (the go-scm capture, ~8 KB) aimed at a repository the receiver serves,
 * so every request takes the full path: verify, parse, normalise, enqueue.
 */
export const receiverPushBody = (): string => githubPushBody({ repo: BENCH_REPO });

/** Config for the real receiver: one GitHub host and the repository the body names. */
export function receiverConfigYaml(): string {
  return `
hosts:
  github:
    kind: github
    url: http://127.0.0.1:9
    token: bench-token
    webhookSecret: ${BENCH_SECRET}
repositories:
  - host: github
    repo: ${BENCH_REPO}
dataDir: /tmp/dispatchd-bench-unused
# wrk sends one body under fresh delivery ids, which the replay check would drop after the first.
# Off here, so the figures leave out its SET (issue 15 is to measure with distinct bodies).
replayWindow: 0
`;
}
