import { QUEUE_PREFIX } from '../queue/names.js';

/** Redis keys of the audit trail, beside the queues' under the same prefix. */
export const auditKeys = {
  /** Sorted set: delivery id scored by receipt time (ms), newest last. */
  index: () => `${QUEUE_PREFIX}:audit:index`,
  /** Hash of one delivery's fields (see StoredFields). */
  delivery: (id: string) => `${QUEUE_PREFIX}:audit:delivery:${id}`,
  /** Receipt seq → delivery id, so that a GitOps run can find the pushes it settled. */
  seq: (seq: number) => `${QUEUE_PREFIX}:audit:seq:${seq}`,
};
