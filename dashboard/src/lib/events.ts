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
      const sender = d.sender as { name?: unknown; username?: unknown } | undefined;
      const name = typeof sender?.name === "string" ? sender.name : typeof sender?.username === "string" ? `@${sender.username}` : undefined;
      const thread = typeof d.threadId === "string" ? d.threadId : "";
      const who = e.type === "message.received" && name ? name : thread;
      return `${who}: ${describeContent(d)}`;
    }
    case "message.edited":
      return `edited ${str(d.messageId)}: ${cut(str(d.body))}`;
    case "message.deleted":
      return `deleted ${str(d.messageId)}`;
    case "message.reaction":
      return d.emoji === "" ? `removed a reaction on ${str(d.messageId)}` : `${str(d.emoji)} on ${str(d.messageId)}`;
    default:
      return "";
  }
}

/** The text of a message event, or a short description of what it carries (no bytes, no URLs of media). */
function describeContent(d: Record<string, unknown>): string {
  const body = str(d.body);
  const c = d.content as { type?: unknown; media?: { mimeType?: unknown; size?: unknown; fileName?: unknown }; latitude?: unknown; longitude?: unknown; name?: unknown; displayName?: unknown; emoji?: unknown } | undefined;
  const type = typeof c?.type === "string" ? c.type : "text";
  if (type === "text") return cut(body);
  if (c?.media) {
    const size = typeof c.media.size === "number" ? ` ${kb(c.media.size)}` : "";
    const file = typeof c.media.fileName === "string" ? ` ${c.media.fileName}` : "";
    return cut(`[${type}${file}${size}]${body ? ` ${body}` : ""}`);
  }
  if (type === "location") return `[location ${num(c?.latitude)}, ${num(c?.longitude)}${typeof c?.name === "string" ? ` ${c.name}` : ""}]`;
  if (type === "contact") return `[contact${typeof c?.displayName === "string" ? ` ${c.displayName}` : ""}]`;
  if (type === "reaction") return `[reaction ${str(c?.emoji)}]`;
  return `[${type}]`;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): string {
  return typeof v === "number" ? String(Math.round(v * 1e5) / 1e5) : "?";
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function cut(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
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
