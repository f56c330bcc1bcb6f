import { githubPushPayload } from '../../test/helpers/github-push.js';

export const BENCH_SECRET = 'bench-webhook-secret';
export const BENCH_REPO = 'acme/hello-world';

/** The `after` of a template body, replaced by `variantSha(i)` in each distinct body. */
const TEMPLATE_SHA = 'f'.repeat(40);
// i + 1: an all-zero `after` is a branch deletion, which the receiver ignores.
export const variantSha = (i: number) => (i + 1).toString(16).padStart(40, '0');

/**
 * A real GitHub push body (the go-scm capture, ~8 KB) aimed at a repository the receiver serves,
 * so every request takes the full path: verify, parse, normalise, enqueue. Split around its
 * `after` commit: body i is `prefix + variantSha(i) + suffix`, so the load generators send
 * distinct signed bodies and the receiver's replay check (on, as in production) drops none.
 */
export function receiverPushTemplate(): { prefix: string; suffix: string } {
  // Only `after` varies: the head commit keeps the capture's id, so the template sha occurs once.
  const text = JSON.stringify({ ...githubPushPayload({ repo: BENCH_REPO }), after: TEMPLATE_SHA });
  const at = text.indexOf(TEMPLATE_SHA);
  if (at < 0 || text.indexOf(TEMPLATE_SHA, at + 1) >= 0) throw new Error('template sha must occur once');
  return { prefix: text.slice(0, at), suffix: text.slice(at + TEMPLATE_SHA.length) };
}

/** Body i of the template. */
export const variantBody = (t: { prefix: string; suffix: string }, i: number) =>
  `${t.prefix}${variantSha(i)}${t.suffix}`;

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
`;
}
