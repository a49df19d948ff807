import type { Message, Update } from "grammy/types";
import type { InboundEvent } from "../../core/connector.js";

/** The update kinds that carry a message this connector turns into `message.received`. */
const MESSAGE_KINDS = ["message", "edited_message", "channel_post", "edited_channel_post"] as const;

/** The stable event id of an update: the same for every redelivery of it (dedupe key). */
export function eventId(botId: string, updateId: number): string {
  return `tg:${botId}:${updateId}`;
}

/**
 * Maps one Bot API Update to an inbound event, or null when it carries no text message (a sticker
 * without caption, a chat member change, a callback query…). Such updates are still acknowledged.
 */
export function toEvent(update: Update, botId: string, includeRaw: boolean): InboundEvent | null {
  let msg: Message | undefined;
  for (const k of MESSAGE_KINDS) {
    msg = update[k];
    if (msg) break;
  }
  if (!msg) return null;
  const text = msg.text ?? msg.caption;
  if (text === undefined) return null;
  const timestamp = msg.date * 1000;
  return {
    id: eventId(botId, update.update_id),
    type: "message.received",
    ts: (msg.edit_date ?? msg.date) * 1000,
    data: {
      threadId: String(msg.chat.id),
      senderId: String(msg.from?.id ?? msg.chat.id),
      body: text,
      messageId: String(msg.message_id),
      timestamp,
      ...(includeRaw ? { raw: update } : {}),
    },
  };
}

/** Whether `body` looks like a Bot API Update (an object with an integer `update_id`). */
export function isUpdate(body: unknown): body is Update {
  return typeof body === "object" && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id);
}
