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

/** Content types that are protocol traffic, not something a person sent: never a `message.received`. */
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
 * Maps one message of `messages.upsert` to a `message.received` event, or null when it is not one:
 * sent by this account (`fromMe`), a stub (group notices), protocol traffic, or in an ignored chat.
 * `threadId` is the chat JID, `senderId` the author's JID (the participant in groups), `timestamp` ms.
 */
export function toInboundEvent(msg: WAMessage, selfUser: string, filters: ChatFilters, includeRaw: boolean): InboundEvent | null {
  const chat = msg.key.remoteJid;
  const id = msg.key.id;
  if (!chat || !id || msg.key.fromMe || msg.messageStubType) return null;
  if (ignoredChat(chat, filters)) return null;
  const content = normalizeMessageContent(msg.message);
  const type = getContentType(content);
  if (!type || NOT_A_MESSAGE.has(type)) return null;
  const sender = jidNormalizedUser(msg.key.participant || chat);
  const timestamp = toNumber(msg.messageTimestamp) * 1000;
  return {
    id: eventId(selfUser, chat, sender, id),
    type: "message.received",
    ...(timestamp > 0 ? { ts: timestamp } : {}),
    data: {
      threadId: chat,
      senderId: sender,
      body: textOf(content),
      messageId: id,
      timestamp,
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
