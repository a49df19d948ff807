/**
 * Shapes of the sandboxes' control API answers, read tolerantly (docs/sandbox-whatsapp-web.md,
 * docs/sandbox-telegram.md), as reached through the gateway at `/sandbox/<platform>/…`. Pure: no DOM.
 */

/** The control API path of a sandbox route: `("whatsapp-web", "/phones")` → `/sandbox/whatsapp-web/phones`. */
export function sandboxPath(platform: "whatsapp-web" | "telegram", path: string): string {
  return `/sandbox/${platform}${path.startsWith("/") ? path : `/${path}`}`;
}

/**
 * The payload of a Telegram sandbox control answer, which uses the Bot API envelope
 * (docs/sandbox-telegram.md): `{ok: true, result}` → `result`.
 * @throws Error with the sandbox's `description` for `{ok: false, …}`.
 */
export function telegramResult(body: unknown): unknown {
  if (!body || typeof body !== "object" || !("ok" in body)) return body;
  const b = body as { ok: unknown; result?: unknown; description?: unknown };
  if (b.ok === true) return b.result;
  throw new Error(typeof b.description === "string" ? b.description : "The Telegram sandbox refused the request.");
}

/** A WhatsApp sandbox phone: `{id, number, …}`. */
export interface PhoneLike {
  id: string;
  number: string;
}

/** The phones in an answer shaped `PhoneLike[]`, `{phones: […]}` or `{items: […]}`. */
export function phonesOf(body: unknown): PhoneLike[] {
  const list = Array.isArray(body) ? body : listIn(body, ["phones", "items"]);
  return list.filter((p): p is PhoneLike => !!p && typeof p === "object" && typeof (p as PhoneLike).id === "string").map((p) => ({ id: p.id, number: String(p.number ?? "") }));
}

function listIn(body: unknown, keys: string[]): unknown[] {
  if (!body || typeof body !== "object") return [];
  for (const k of keys) {
    const v = (body as Record<string, unknown>)[k];
    if (Array.isArray(v)) return v;
  }
  return [];
}

/** A device linked to a sandbox phone (DeviceInfo). */
export interface DeviceLike {
  device: number;
  jid: string;
  name: string | null;
  connected: boolean;
}

/** The devices of `GET …/phones/:id/devices` (`{devices}`). */
export function devicesOf(body: unknown): DeviceLike[] {
  return listIn(body, ["devices"])
    .filter((d): d is Record<string, unknown> => !!d && typeof d === "object" && typeof (d as { device?: unknown }).device === "number")
    .map((d) => ({ device: d.device as number, jid: String(d.jid ?? ""), name: typeof d.name === "string" ? d.name : null, connected: d.connected === true }));
}

/** One line of a chat as the sandbox saw it: who wrote, the text, when (epoch ms). */
export interface ChatLine {
  from: "contact" | "device";
  text: string;
  at: number;
}

/**
 * The conversation of `GET …/contacts/:c/messages` (`{inbound, sent}`), oldest first: `inbound` are
 * the contact's messages (`t` in Unix seconds), `sent` what the linked devices sent to the contact
 * (`at`, sandbox-clock ms).
 */
export function conversationOf(body: unknown): ChatLine[] {
  const inbound = listIn(body, ["inbound"]).map((m) => m as { text?: unknown; t?: unknown });
  const sent = listIn(body, ["sent"]).map((m) => m as { text?: unknown; at?: unknown });
  const lines: ChatLine[] = [
    ...inbound.map((m) => ({ from: "contact" as const, text: String(m.text ?? ""), at: typeof m.t === "number" ? m.t * 1000 : 0 })),
    ...sent.filter((m) => typeof m.text === "string").map((m) => ({ from: "device" as const, text: String(m.text), at: typeof m.at === "number" ? m.at : 0 })),
  ];
  return lines.sort((a, b) => a.at - b.at);
}

/** The texts a Telegram sandbox bot sent (`GET …/bots/:bot/sent` → SentRecord[] or `{items}`), oldest first. */
export function botSentTexts(body: unknown): Array<{ seq: number; chatId: string; text: string }> {
  const list = Array.isArray(body) ? body : listIn(body, ["sent", "items", "records"]);
  const out: Array<{ seq: number; chatId: string; text: string }> = [];
  for (const r of list) {
    if (!r || typeof r !== "object") continue;
    const rec = r as { seq?: unknown; chat_id?: unknown; message?: { text?: unknown } };
    const text = rec.message?.text;
    if (typeof text === "string") out.push({ seq: Number(rec.seq ?? 0), chatId: String(rec.chat_id ?? ""), text });
  }
  return out;
}
