import {
  type WAMessage,
  type WAMessageUpdate,
  getContentType,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  jidNormalizedUser,
  normalizeMessageContent,
  proto,
  toNumber,
} from "baileys";
import type { InboundEvent } from "../../core/connector.js";
import type { MessageStatusData } from "../../events/types.js";
import type { WhatsAppWebConfig } from "./config.js";
import { quotedId, receivedContent } from "./inbound-content.js";

/** Content types that are protocol traffic, not something a person sent: never a `message.received` (edits, revokes and reactions become their own events). */
const NOT_A_MESSAGE = new Set<string>(["protocolMessage", "senderKeyDistributionMessage", "messageContextInfo", "reactionMessage", "pollUpdateMessage"]);

/** Which chats the instance ignores (config filters). */
export type ChatFilters = Pick<WhatsAppWebConfig, "ignoreGroups" | "ignoreStatusBroadcasts" | "ignoreNewsletters">;

/** Whether messages of chat `jid` are ignored under `f` (also given to Baileys as `shouldIgnoreJid`). */
export function ignoredChat(jid: string, f: ChatFilters): boolean {
  return (f.ignoreGroups && isJidGroup(jid) === true) || (f.ignoreStatusBroadcasts && isJidStatusBroadcast(jid)) || (f.ignoreNewsletters && isJidNewsletter(jid) === true);
}

/** The stable event id of a received message: the same on every redelivery (dedupe key). */
export function eventId(selfUser: string, chat: string, sender: string, messageId: string): string {
  return `wa:${selfUser}:${chat}:${sender}:${messageId}`;
}

/** The text of a message (conversation, extended text, or a media caption); "" when it has none. */
export function textOf(content: proto.IMessage | undefined): string {
  if (!content) return "";
  return (
    content.conversation ??
    content.extendedTextMessage?.text ??
    content.imageMessage?.caption ??
    content.videoMessage?.caption ??
    content.documentMessage?.caption ??
    ""
  );
}

/**
 * Maps one message of `messages.upsert` to an inbound event, or null when it is none: sent by this
 * account (`fromMe`), a stub (group notices), other protocol traffic, or in an ignored chat.
 * - a message → `message.received` with its content (./inbound-content.ts), the sender's push name,
 *   the chat type (`@g.us` group, `@newsletter` channel, else private) and the quoted message;
 * - `protocolMessage` MESSAGE_EDIT → `message.edited`; REVOKE → `message.deleted` (both naming the
 *   earlier message by `protocolMessage.key.id`);
 * - `reactionMessage` → `message.reaction` ("" when the reaction was removed).
 * `threadId` is the chat JID, `senderId` the author's JID (the participant in groups), `timestamp` ms.
 */
export function toInboundEvent(msg: WAMessage, selfUser: string, filters: ChatFilters, includeRaw: boolean): InboundEvent | null {
  const chat = msg.key.remoteJid;
  const id = msg.key.id;
  if (!chat || !id || msg.key.fromMe || msg.messageStubType) return null;
  if (ignoredChat(chat, filters)) return null;
  const content = normalizeMessageContent(msg.message);
  const type = getContentType(content);
  if (!type || !content) return null;
  const sender = jidNormalizedUser(msg.key.participant || chat);
  const timestamp = toNumber(msg.messageTimestamp) * 1000;
  const eid = eventId(selfUser, chat, sender, id);
  const ts = timestamp > 0 ? { ts: timestamp } : {};
  if (type === "protocolMessage") {
    const p = content.protocolMessage;
    const target = p?.key?.id;
    if (!target) return null;
    if (p.type === proto.Message.ProtocolMessage.Type.REVOKE) {
      return { id: eid, type: "message.deleted", ...ts, data: { threadId: chat, messageId: target, senderId: sender, timestamp } };
    }
    if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && p.editedMessage) {
      const edited = normalizeMessageContent(p.editedMessage);
      const at = toNumber(p.timestampMs ?? 0) || timestamp;
      return { id: eid, type: "message.edited", ...ts, data: { threadId: chat, messageId: target, senderId: sender, body: textOf(edited), content: receivedContent(edited, target), timestamp: at } };
    }
    return null;
  }
  if (type === "reactionMessage") {
    const r = content.reactionMessage;
    if (!r?.key?.id) return null;
    return { id: eid, type: "message.reaction", ...ts, data: { threadId: chat, messageId: r.key.id, senderId: sender, emoji: r.text ?? "", timestamp } };
  }
  if (NOT_A_MESSAGE.has(type)) return null;
  const quoted = quotedId(content);
  return {
    id: eid,
    type: "message.received",
    ...ts,
    data: {
      threadId: chat,
      senderId: sender,
      body: textOf(content),
      messageId: id,
      timestamp,
      content: receivedContent(content, id),
      ...(msg.pushName ? { sender: { name: msg.pushName } } : {}),
      chat: { type: isJidGroup(chat) ? "group" : isJidNewsletter(chat) ? "channel" : "private" },
      ...(quoted ? { replyTo: { messageId: quoted } } : {}),
      ...(includeRaw ? { raw: proto.WebMessageInfo.toObject(msg as proto.WebMessageInfo, { longs: Number, bytes: String }) } : {}),
    },
  };
}

/** Baileys' `WebMessageInfo.Status` → the normalised delivery state (PENDING has none). */
const STATUS: Partial<Record<number, MessageStatusData["status"]>> = {
  [proto.WebMessageInfo.Status.ERROR]: "failed",
  [proto.WebMessageInfo.Status.SERVER_ACK]: "sent",
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: "delivered",
  [proto.WebMessageInfo.Status.READ]: "read",
  [proto.WebMessageInfo.Status.PLAYED]: "read",
};

/**
 * Maps one `messages.update` entry to a `message.status` payload, or null when it is no delivery
 * state of a message this account sent. `timestamp` is the receipt's time (`messageTimestamp`, s → ms),
 * `now` when the update carries none.
 */
export function toStatusData(u: WAMessageUpdate, now: number): MessageStatusData | null {
  const status = typeof u.update.status === "number" ? STATUS[u.update.status] : undefined;
  if (!status || !u.key.fromMe || !u.key.id || !u.key.remoteJid) return null;
  const t = toNumber(u.update.messageTimestamp ?? 0) * 1000;
  return { messageId: u.key.id, threadId: u.key.remoteJid, status, timestamp: t > 0 ? t : now };
}
