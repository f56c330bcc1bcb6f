import { performance } from 'node:perf_hooks';
import { round } from '../lib/stats.js';
import { APP, GITOPS, type Rig } from './rig.js';

export interface BurstResult {
  pushes: number;
  /** Webhooks answered 202. */
  accepted: number;
  /** Pushes to the GitOps repo the burst caused. */
  gitPushes: number;
  /** Open PRs for the burst's environment at the end. */
  prsOpen: number;
  finalImage: string | null;
  expectedImage: string;
  /** The one open PR's head branch renders the newest commit's image. */
  onNewest: boolean;
  /** Deploy statuses of the burst's commits that ended success / not success. */
  statusesSettled: number;
  statusesNotSuccess: number;
  apiCalls: number;
  prCalls: number;
  /** First webhook sent → everything idle. */
  durationMs: number;
}

const BRANCH = 'production';
const HEAD = `dispatchd/github/${APP}/production`;

/**
 * Section 4: `count` pushes to one branch, delivered back to back in push order (as GitHub sends
 * one repository's pushes), while the workers run. Coalescing should leave one PR on the newest
 * commit, with far fewer GitOps pushes than webhooks.
 */
export async function benchBurst(rig: Rig, count: number, log: (l: string) => void): Promise<BurstResult> {
  const { gh } = rig;
  // The commits exist first (a developer's pushes); only their webhooks are the burst.
  const commits: { sha: string; before: string }[] = [];
  for (let i = 1; i <= count; i++) commits.push(await rig.commit(BRANCH, `2.${i}.0`));
  const callsBefore = gh.calls.length;
  const pushesBefore = gh.git.pushes;
  const t0 = performance.now();
  let accepted = 0;
  for (const c of commits) if ((await rig.deliver(BRANCH, c.before, c.sha)) === 202) accepted++;
  await rig.stack.idle(120_000);
  const durationMs = performance.now() - t0;
  const calls = gh.calls.slice(callsBefore);
  const newest = commits.at(-1)!.sha;
  const expectedImage = `registry.example.com/acme/hello-world:production-${newest}`;
  const file = await gh.git.readFile(GITOPS, HEAD, 'production/application.yaml');
  const finalImage = /image: (\S+)/.exec(file ?? '')?.[1] ?? null;
  const prsOpen = gh.pulls(GITOPS).filter((p) => p.state === 'open' && p.head === HEAD).length;
  const finals = commits.map(
    (c) =>
      gh
        .statuses(APP, c.sha)
        .filter((s) => s.context === 'dispatchd/deploy')
        .at(-1)?.state,
  );
  const result: BurstResult = {
    pushes: count,
    accepted,
    gitPushes: gh.git.pushes - pushesBefore,
    prsOpen,
    finalImage,
    expectedImage,
    onNewest: prsOpen === 1 && finalImage === expectedImage,
    statusesSettled: finals.filter((s) => s === 'success').length,
    statusesNotSuccess: finals.filter((s) => s !== 'success').length,
    apiCalls: calls.length,
    prCalls: calls.filter((c) => /\/pulls/.test(c.route)).length,
    durationMs: round(durationMs, 0),
  };
  log(
    `  burst of ${count}: ${result.gitPushes} git pushes, ${prsOpen} PR open, newest image: ${result.onNewest ? 'yes' : 'NO'} (${round(durationMs / 1000, 1)} s)`,
  );
  return result;
}
