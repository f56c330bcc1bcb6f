/** Queue names and Redis key layout, in one place so every process agrees on them. */
export const QUEUE_PREFIX = 'dispatchd';
/**
 * The push queue (PushJob, createPushProcessor). Its Redis name stays `events`, the name it had
 * first, so jobs already queued survive an upgrade and dashboards keep their series.
 */
export const PUSH_QUEUE = 'events';
export const GITOPS_QUEUE = 'gitops';

export const keys = {
  delivery: (host: string, deliveryId: string) => `${QUEUE_PREFIX}:delivery:${host}:${deliveryId}`,
  receiptSeq: () => `${QUEUE_PREFIX}:receipt-seq`,
  /** The inbox stream of receivers up to 2f81714: entries the pump turns into jobs (queue/inbox-pump.ts). */
  inbox: () => `${QUEUE_PREFIX}:inbox`,
  envLatest: (envId: string) => `${QUEUE_PREFIX}:env:${envId}:latest`,
  envJob: (envId: string) => `${QUEUE_PREFIX}:env:${envId}:job`,
  envPending: (envId: string) => `${QUEUE_PREFIX}:env:${envId}:pending`,
  envGeneration: () => `${QUEUE_PREFIX}:env-generation`,
};
