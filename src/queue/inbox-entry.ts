import type { PushEvent } from '../core/push-event.js';
import type { ReviewEvent } from '../core/review-events.js';

/** One accepted delivery in the inbox stream, as the claim script (inbox.ts) wrote it. */
export interface InboxEntry {
  id: string;
  deliveryKey: string;
  jobId: string;
  seq: number;
  /** A push, or a pull-request/status webhook (ReviewEvent, which has a `kind`). */
  event: PushEvent | ReviewEvent;
}

/** An entry as XREADGROUP / XAUTOCLAIM return it: id and flat field list (null once deleted). */
export type RawEntry = [string, string[] | null];

/** Readable entries, and the ids of those that are not (not written by this version's claim). */
export function parseEntries(raw: RawEntry[]): { entries: InboxEntry[]; broken: string[] } {
  const entries: InboxEntry[] = [];
  const broken: string[] = [];
  for (const [id, fields] of raw) {
    const f: Record<string, string> = {};
    for (let i = 0; fields && i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
    try {
      if (!f.d || !f.j || !f.s || !f.e) throw new Error('incomplete');
      entries.push({
        id,
        deliveryKey: f.d,
        jobId: f.j,
        seq: Number(f.s),
        event: JSON.parse(f.e) as PushEvent | ReviewEvent,
      });
    } catch {
      broken.push(id);
    }
  }
  return { entries, broken };
}
