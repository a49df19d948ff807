/** Event lines for the per-instance event list. Pure: no DOM. */

/** The part of an event envelope (docs/events.md) this module reads. */
export interface EventLike {
  id: string;
  type: string;
  instance: string | null;
  ts: number;
  data?: unknown;
}

/** A short, secret-free summary of an event's data (never the QR string or a pairing code). */
export function summarize(e: EventLike): string {
  const d = (e.data && typeof e.data === "object" ? e.data : {}) as Record<string, unknown>;
  switch (e.type) {
    case "instance.status": {
      const status = d.status as { state?: string } | undefined;
      return status?.state ? `→ ${status.state.replace(/_/g, " ")}` : "";
    }
    case "instance.qr":
      return `new QR${typeof d.attempt === "number" ? ` (attempt ${d.attempt})` : ""}`;
    case "message.received":
    case "message.sent": {
      const who = typeof d.threadId === "string" ? d.threadId : "";
      const body = typeof d.body === "string" ? d.body : "";
      return `${who}: ${body.length > 120 ? `${body.slice(0, 119)}…` : body}`;
    }
    default:
      return "";
  }
}

/**
 * `list` with `e` added at the front (newest first), unless an event with its id is there already,
 * cut to `max` entries. Returns a new array.
 */
export function pushRecent<T extends EventLike>(list: readonly T[], e: T, max = 50): T[] {
  if (list.some((x) => x.id === e.id)) return [...list];
  return [e, ...list].slice(0, max);
}

/**
 * `list` (newest first) merged with `older` (events replayed from the store, oldest first): one entry
 * per id, newest first by `ts` — for equal `ts` the entries of `list` (which came live) before the
 * replayed ones, and replayed ones newest first — cut to `max`. A live event newer than every
 * replayed one is kept however many are replayed. Returns a new array.
 */
export function mergeRecent<T extends EventLike>(list: readonly T[], older: readonly T[], max = 50): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const e of [...list, ...[...older].reverse()]) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    merged.push(e);
  }
  return merged.sort((a, b) => b.ts - a.ts).slice(0, max);
}

/** The thread id of the newest received message in `list` (newest first), for a reply. */
export function lastThread(list: readonly EventLike[]): string | undefined {
  for (const e of list) {
    if (e.type !== "message.received") continue;
    const t = (e.data as { threadId?: unknown } | undefined)?.threadId;
    if (typeof t === "string") return t;
  }
  return undefined;
}
