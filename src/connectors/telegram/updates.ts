import type { Chat, Message, MessageReactionUpdated, Update, User } from "grammy/types";
import type { InboundEvent } from "../../core/connector.js";
import type { ReceivedContent } from "../../core/messages.js";
import type { MessageData } from "../../events/types.js";

/** The stable event id of an update: the same for every redelivery of it (dedupe key). */
export function eventId(botId: string, updateId: number): string {
  return `tg:${botId}:${updateId}`;
}

/**
 * Maps one Bot API Update to an inbound event, or null when it is none of ours (a callback query,
 * a chat member change…; such updates are still acknowledged):
 * - `message`, `channel_post` → `message.received` with the content (text, media metadata,
 *   location or venue, contact; other kinds as `unsupported` with the Bot API's field name), the
 *   sender's name and username, the chat's type and title, and the quoted message;
 * - `edited_message`, `edited_channel_post` → `message.edited` (timestamp: `edit_date`);
 * - `message_reaction` → `message.reaction` with the user's new emoji ("" when removed; a custom
 *   emoji as its id).
 * Source: Bot API docs, Update, Message, MessageReactionUpdated.
 */
export function toEvent(update: Update, botId: string, includeRaw: boolean): InboundEvent | null {
  const id = eventId(botId, update.update_id);
  const fresh = update.message ?? update.channel_post;
  if (fresh) {
    return { id, type: "message.received", ts: fresh.date * 1000, data: { ...messageData(fresh), ...(includeRaw ? { raw: update } : {}) } };
  }
  const edited = update.edited_message ?? update.edited_channel_post;
  if (edited) {
    const content = contentOf(edited);
    const ts = (edited.edit_date ?? edited.date) * 1000;
    return {
      id,
      type: "message.edited",
      ts,
      data: { threadId: String(edited.chat.id), messageId: String(edited.message_id), senderId: senderIdOf(edited), body: bodyText(edited), content, timestamp: ts },
    };
  }
  if (update.message_reaction) return reactionEvent(id, update.message_reaction);
  return null;
}

/** The normalised fields of a message. */
function messageData(msg: Message): MessageData {
  const sender = senderOf(msg);
  const reply = msg.reply_to_message?.message_id;
  return {
    threadId: String(msg.chat.id),
    senderId: senderIdOf(msg),
    body: bodyText(msg),
    messageId: String(msg.message_id),
    timestamp: msg.date * 1000,
    content: contentOf(msg),
    ...(sender ? { sender } : {}),
    chat: chatOf(msg.chat),
    ...(reply !== undefined ? { replyTo: { messageId: String(reply) } } : {}),
  };
}

function senderIdOf(msg: Message): string {
  return String(msg.from?.id ?? msg.sender_chat?.id ?? msg.chat.id);
}

function bodyText(msg: Message): string {
  return msg.text ?? msg.caption ?? "";
}

function senderOf(msg: Message): MessageData["sender"] | undefined {
  if (msg.from) return nameOf(msg.from);
  const chat = msg.sender_chat;
  if (chat && "title" in chat) return { name: chat.title, ...(chat.username ? { username: chat.username } : {}) };
  return undefined;
}

function nameOf(u: User): NonNullable<MessageData["sender"]> {
  const name = [u.first_name, u.last_name].filter(Boolean).join(" ");
  return { ...(name ? { name } : {}), ...(u.username ? { username: u.username } : {}) };
}

/** Telegram's chat types in the model's terms: groups and supergroups are `group`. */
function chatOf(chat: Chat): NonNullable<MessageData["chat"]> {
  if (chat.type === "private") return { type: "private" };
  return { type: chat.type === "channel" ? "channel" : "group", ...(chat.title ? { title: chat.title } : {}) };
}

/** The content of a Bot API Message (media as metadata: `mediaId` is the file_id). */
export function contentOf(msg: Message): ReceivedContent {
  const caption = msg.caption !== undefined ? { caption: msg.caption } : {};
  if (msg.text !== undefined) return { type: "text", text: msg.text };
  if (msg.photo && msg.photo.length > 0) {
    const p = msg.photo[msg.photo.length - 1]!;
    return { type: "image", media: media(p.file_id, { size: p.file_size, width: p.width, height: p.height, mimeType: "image/jpeg" }), ...caption };
  }
  if (msg.sticker) return { type: "sticker", media: media(msg.sticker.file_id, { size: msg.sticker.file_size, width: msg.sticker.width, height: msg.sticker.height }) };
  if (msg.video) {
    const v = msg.video;
    return { type: "video", media: media(v.file_id, { size: v.file_size, width: v.width, height: v.height, durationS: v.duration, mimeType: v.mime_type, fileName: v.file_name }), ...caption };
  }
  if (msg.animation) {
    const a = msg.animation;
    return { type: "video", media: media(a.file_id, { size: a.file_size, width: a.width, height: a.height, durationS: a.duration, mimeType: a.mime_type, fileName: a.file_name }), ...caption };
  }
  if (msg.voice) return { type: "voice", media: media(msg.voice.file_id, { size: msg.voice.file_size, durationS: msg.voice.duration, mimeType: msg.voice.mime_type }) };
  if (msg.audio) {
    const a = msg.audio;
    return { type: "audio", media: media(a.file_id, { size: a.file_size, durationS: a.duration, mimeType: a.mime_type, fileName: a.file_name }) };
  }
  if (msg.document) {
    const d = msg.document;
    return { type: "document", media: media(d.file_id, { size: d.file_size, mimeType: d.mime_type, fileName: d.file_name }), ...(d.file_name ? { fileName: d.file_name } : {}), ...caption };
  }
  if (msg.venue) {
    const v = msg.venue;
    return { type: "location", latitude: v.location.latitude, longitude: v.location.longitude, name: v.title, address: v.address };
  }
  if (msg.location) return { type: "location", latitude: msg.location.latitude, longitude: msg.location.longitude };
  if (msg.contact) return { type: "contact", vcard: msg.contact.vcard ?? vcardOf(msg.contact), displayName: [msg.contact.first_name, msg.contact.last_name].filter(Boolean).join(" ") };
  return { type: "unsupported", platformType: kindOf(msg) };
}

function media(fileId: string, f: { size?: number; width?: number; height?: number; durationS?: number; mimeType?: string; fileName?: string }) {
  return {
    mediaId: fileId,
    ...(f.mimeType !== undefined ? { mimeType: f.mimeType } : {}),
    ...(f.size !== undefined ? { size: f.size } : {}),
    ...(f.fileName !== undefined ? { fileName: f.fileName } : {}),
    ...(f.width !== undefined ? { width: f.width } : {}),
    ...(f.height !== undefined ? { height: f.height } : {}),
    ...(f.durationS !== undefined ? { durationS: f.durationS } : {}),
  };
}

/** A minimal vCard 3.0 for a Telegram contact sent without one. */
function vcardOf(c: NonNullable<Message["contact"]>): string {
  const fn = [c.first_name, c.last_name].filter(Boolean).join(" ");
  return ["BEGIN:VCARD", "VERSION:3.0", `N:${c.last_name ?? ""};${c.first_name};;;`, `FN:${fn}`, `TEL:${c.phone_number}`, "END:VCARD"].join("\r\n");
}

/** The Bot API field that names a message's kind (`poll`, `dice`, `new_chat_members`, …). */
function kindOf(msg: Message): string {
  const skip = new Set(["message_id", "message_thread_id", "from", "sender_chat", "date", "chat", "reply_to_message", "edit_date", "entities", "caption", "caption_entities", "reply_markup", "forward_origin", "is_topic_message", "has_protected_content", "author_signature", "via_bot", "media_group_id"]);
  return Object.keys(msg).find((k) => !skip.has(k)) ?? "unknown";
}

function reactionEvent(id: string, r: MessageReactionUpdated): InboundEvent {
  const first = r.new_reaction[0];
  const emoji = !first ? "" : first.type === "emoji" ? first.emoji : first.type === "custom_emoji" ? `custom:${first.custom_emoji_id}` : "paid";
  return {
    id,
    type: "message.reaction",
    ts: r.date * 1000,
    data: { threadId: String(r.chat.id), messageId: String(r.message_id), senderId: String(r.user?.id ?? r.actor_chat?.id ?? r.chat.id), emoji, timestamp: r.date * 1000 },
  };
}

/** Whether `body` looks like a Bot API Update (an object with an integer `update_id`). */
export function isUpdate(body: unknown): body is Update {
  return typeof body === "object" && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id);
}
