import type { PushEvent } from '../core/push-event.js';

/** An `events` job: one pushed ref, with its receipt sequence number (orders pushes). */
export interface PushJob {
  event: PushEvent;
  seq: number;
}

/** A `gitops` job names only the environment; its work is whatever is newest for it then. */
export interface GitopsJob {
  envId: string;
}

/** BullMQ job ids may not contain ':'; delivery ids are free text, so they are hashed. */
export function pushJobId(host: string, deliveryId: string, hash: (s: string) => string): string {
  return `push-${host}-${hash(deliveryId)}`;
}
