import type { AuditTrail } from '../audit/trail.js';
import type { Logger } from '../log/logger.js';
import { requestContext } from '../log/request-context.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Observer } from '../telemetry/observer.js';

export interface MetricsAuditObserverDeps {
  metrics: Metrics;
  audit: AuditTrail;
  log: Logger;
}

/**
 * The Observer the runtime hands to the receiver and workers: it feeds the process's metrics
 * and the audit trail. Audit writes are awaited by the workers (so a job's record is complete
 * when the job is) but never fail them; the webhook path writes none (the inbox's accept script
 * records an accepted push with its job).
 */
export function createMetricsAuditObserver(deps: MetricsAuditObserverDeps): Observer {
  const { metrics, audit, log } = deps;
  const safe = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err: (err as Error).message }, `audit trail: could not record ${what}`);
    }
  };
  return {
    webhook(o) {
      // The audit record of a queued delivery is written with its job (src/queue/inbox.ts).
      metrics.webhooks.inc({ host: o.host, event: eventLabel(o, requestContext.get()?.event), outcome: o.outcome });
    },
    async planned(r) {
      metrics.jobDuration.observe({ kind: 'plan', outcome: r.error ? 'failed' : 'ok' }, r.durationMs / 1000);
      await safe('a plan', () => audit.planned(r));
    },
    async gitopsRun(r) {
      metrics.jobDuration.observe(
        { kind: 'gitops', outcome: r.error ? 'failed' : (r.result?.outcome ?? 'ok') },
        r.durationMs / 1000,
      );
      if (r.result?.outcome === 'updated') {
        // A retry that finds its commit already on the head branch pushes nothing.
        if (r.result.pushed !== false) metrics.gitPushes.inc({ host: r.spec.target.host });
        metrics.pushToPr.observe({ host: r.spec.source.host }, Math.max(0, Date.now() - r.spec.receivedAt) / 1000);
      }
      await safe('a GitOps run', () => audit.gitopsRun(r));
    },
  };
}

/** Keeps the label set small: unverified requests cannot mint label values. */
function eventLabel(o: { outcome: string; status: number; events?: unknown[] }, header: string | undefined): string {
  if (o.events) return 'push';
  if (o.outcome === 'ping') return 'ping';
  if (o.status >= 400 || !header) return 'unknown';
  return (
    header
      .toLowerCase()
      .replace(/[^a-z0-9:_ -]/g, '')
      .slice(0, 40) || 'unknown'
  );
}

/** Calls each observer in turn; one failing does not stop the others. */
export function combineObservers(...observers: (Observer | undefined)[]): Observer {
  const list = observers.filter((o): o is Observer => Boolean(o));
  const each = async (fn: (o: Observer) => void | Promise<void>) => {
    for (const o of list)
      await Promise.resolve()
        .then(() => fn(o))
        .catch(() => undefined);
  };
  return {
    webhook: (x) => {
      for (const o of list) {
        try {
          o.webhook?.(x);
        } catch {
          /* must not throw */
        }
      }
    },
    planned: (r) => each((o) => o.planned?.(r)),
    gitopsRun: (r) => each((o) => o.gitopsRun?.(r)),
  };
}
