import type { proto, WAMessageKey } from "baileys";
import type { SessionHost } from "../../core/connector.js";

/** How many sent messages one session keeps in memory for retry receipts. */
export const RECENT_SENT = 256;

/**
 * The messages a session can send again when a recipient's device asks for it (a WhatsApp retry
 * receipt: the device could not decrypt the first copy; Baileys' `getMessage`). Replaces Baileys'
 * own recent-message cache (`enableRecentMessageCache`), whose per-entry purge timers kept the
 * Signal key cache of each send alive through their captured async context (about 13 KB per sent
 * message, measured by bench/soak): here the last {@link RECENT_SENT} messages sit in a plain Map
 * (insertion order, oldest dropped first, no timer), and an older message is read back from the
 * gateway's own store (`host.sentMessage`, the `message.sent` event: its text; an older message of
 * another kind is answered as its text, or not at all when it has none).
 *
 * Bounded by construction; never throws.
 */
export class RetryMessages {
  private readonly recent = new Map<string, proto.IMessage>();

  constructor(
    private readonly host: Pick<SessionHost, "sentMessage">,
    private readonly limit = RECENT_SENT,
  ) {}

  /** Remembers a sent message (a text, or the message Baileys built) by its id (the newest `limit` are kept). */
  remember(id: string, message: string | proto.IMessage): void {
    this.recent.delete(id);
    this.recent.set(id, typeof message === "string" ? { conversation: message } : message);
    if (this.recent.size > this.limit) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** How many texts are held in memory (tests). */
  get size(): number {
    return this.recent.size;
  }

  /** Baileys' `getMessage`: the message to send again, or undefined when it is not known here. */
  async get(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    const id = key.id;
    if (!id) return undefined;
    const recent = this.recent.get(id);
    if (recent) return recent;
    const text = (await this.host.sentMessage(id))?.body;
    return text ? { conversation: text } : undefined;
  }
}
