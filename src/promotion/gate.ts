import type { CommitState, ScmProvider } from '../scm/contracts.js';
import type { Chain } from '../config/chains.js';

export type GateReading =
  | { kind: 'green'; sha: string }
  | { kind: 'pending'; why: string }
  | { kind: 'failed'; sha: string; state: CommitState; description: string };

/**
 * Reads the link's status gate on the GitOps commit that landed and its descendants (newest
 * first): Argo CD Notifications and Flux's notification-controller post on the revision they
 * synced, which may be a later commit of the base. The newest commit that has the context decides.
 */
export async function readStatusGate(
  provider: ScmProvider,
  repo: string,
  candidates: string[],
  gate: NonNullable<Chain['gate']['status']>,
): Promise<GateReading> {
  for (const sha of candidates) {
    const found = (await provider.commitChecks(repo, sha)).find((s) => s.context === gate.context);
    if (!found) continue;
    if (found.state === gate.state) return { kind: 'green', sha };
    if (found.state === 'pending') return { kind: 'pending', why: `${gate.context} is pending on ${sha.slice(0, 7)}` };
    return { kind: 'failed', sha, state: found.state, description: found.description };
  }
  return {
    kind: 'pending',
    why: `no ${gate.context} status yet on ${candidates.at(-1)!.slice(0, 7)} or a later commit`,
  };
}

/** The gate in words, for the promotion PR and the environments view. */
export function describeGate(link: Chain): string {
  const parts = [];
  if (link.gate.status) parts.push(`${link.gate.status.context} ${link.gate.status.state}`);
  if (link.gate.argocd) parts.push(`Argo CD ${link.gate.argocd.application} Synced and Healthy`);
  if (link.gate.soak) parts.push(`soak ${typeof link.gate.soak === 'number' ? `${link.gate.soak}ms` : link.gate.soak}`);
  return parts.join(' + ');
}
