import { PermanentError, TransientError } from '../core/errors.js';
import type { GateReading } from './gate.js';

export interface ArgocdGate {
  /** The Argo CD server, e.g. https://argocd.example.com. */
  url: string;
  /** The Application that syncs the environment. */
  application: string;
  /** An Argo CD API token (an account with `applications, get`). */
  token: string;
}

interface Application {
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
  };
}

/**
 * Reads the gate from the Argo CD API (GET /api/v1/applications/<name>), for teams that prefer
 * polling it to having Argo CD post a status: green when the Application is Synced to the landed
 * GitOps commit (or a descendant, `candidates`) and Healthy; failed when it is Degraded at one
 * of them; pending otherwise. The token goes only to the configured url.
 */
export async function readArgocdGate(
  gate: ArgocdGate,
  candidates: string[],
  fetchImpl: typeof fetch = fetch,
): Promise<GateReading> {
  const where = `Argo CD application ${gate.application}`;
  const url = `${gate.url.replace(/\/+$/, '')}/api/v1/applications/${encodeURIComponent(gate.application)}`;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      headers: { authorization: `Bearer ${gate.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new TransientError('argocd_unreachable', `${where}: Argo CD did not answer (${(err as Error).message})`);
  }
  if (res.status >= 500 || res.status === 429)
    throw new TransientError('argocd_unavailable', `${where}: Argo CD answered ${res.status}`);
  if (res.status === 401 || res.status === 403)
    throw new PermanentError(
      'argocd_refused',
      `${where}: Argo CD refused the token (${res.status}); give gate.argocd.token an account that may get this application`,
    );
  if (!res.ok)
    throw new PermanentError(
      'argocd_not_found',
      `${where}: Argo CD answered ${res.status}; check gate.argocd.application`,
    );
  const app = (await res.json()) as Application;
  const revision = app.status?.sync?.revision ?? '';
  const sync = app.status?.sync?.status ?? 'Unknown';
  const health = app.status?.health?.status ?? 'Unknown';
  const at = candidates.find((c) => c === revision);
  if (!at)
    return {
      kind: 'pending',
      why: `${where} is at ${revision.slice(0, 7) || 'no revision'}, not yet at ${candidates.at(-1)!.slice(0, 7)} or later`,
    };
  if (health === 'Degraded')
    return {
      kind: 'failed',
      sha: at,
      state: 'failure',
      description: `${where} is Degraded${app.status?.health?.message ? `: ${app.status.health.message}` : ''}`,
    };
  if (sync === 'Synced' && health === 'Healthy') return { kind: 'green', sha: at };
  return { kind: 'pending', why: `${where} is ${sync} and ${health} at ${at.slice(0, 7)}` };
}
