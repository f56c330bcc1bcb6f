/** One entry of `GET /repos/{o}/{r}/hooks/{id}/deliveries`, the fields redelivery reads. */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  redelivery: boolean;
  event: string;
}

export interface Picked {
  /** The newest failed attempt of each event that never got through, oldest event first. */
  redeliver: HookDelivery[];
  /** Events that failed in the window but were redelivered successfully since. */
  alreadyRedelivered: number;
}

// GitHub records 0 when it could not connect or the receiver did not answer within 10 s.
const failed = (d: HookDelivery) => d.status_code === 0 || d.status_code >= 400;
const ok = (d: HookDelivery) => d.status_code >= 200 && d.status_code < 300;

/**
 * Which deliveries to ask GitHub to send again: events (one guid, however many attempts) with a
 * failed attempt at or after `since` and no successful attempt at all. One request per event,
 * never per attempt, so a delivery that failed three times is redelivered once.
 */
export function pickFailed(deliveries: readonly HookDelivery[], since: number): Picked {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const redeliver: HookDelivery[] = [];
  let alreadyRedelivered = 0;
  for (const attempts of byGuid.values()) {
    const recentFailures = attempts.filter((d) => failed(d) && Date.parse(d.delivered_at) >= since);
    if (recentFailures.length === 0) continue;
    if (attempts.some(ok)) {
      alreadyRedelivered++;
      continue;
    }
    redeliver.push(
      recentFailures.reduce((a, b) =>
        Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || (b.delivered_at === a.delivered_at && b.id > a.id)
          ? b
          : a,
      ),
    );
  }
  redeliver.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id);
  return { redeliver, alreadyRedelivered };
}
