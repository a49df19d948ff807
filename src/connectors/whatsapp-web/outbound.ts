/**
 * What the WhatsApp Web connector does with the message model (src/core/messages.ts), as data, and
 * the Baileys content each outbound message becomes (Baileys rc14 `sendMessage` / `AnyMessageContent`:
 * `{text}`, `{location: {degreesLatitude, degreesLongitude, name, address}}`, `{contacts: {displayName,
 * contacts: [{vcard}]}}`, `{react: {text, key}}`, `{text, edit: key}`, `{delete: key}`; a reply is the
 * `quoted` option, which Baileys turns into `contextInfo.stanzaId/participant/quotedMessage`).
 *
 * WhatsApp names a message by its whole key (chat, id, whether this account sent it, and in groups
 * its author), so reactions, replies, edits and deletes look the message up in the instance's stored
 * history (`host.storedMessage`): one the gateway never stored is refused (`VALIDATION_FAILED`).
 */
import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessageKey } from "baileys";
import type { SessionHost, StoredMessageRef } from "../../core/connector.js";
import { err } from "../../core/errors.js";
import type { MessageSupport, SendContent } from "../../core/messages.js";

/** WhatsApp's media limit for documents (WhatsApp Help Center: "up to 2 GB"); photos and videos are recompressed. */
export const WHATSAPP_MAX_MEDIA_BYTES = 2 * 1024 * 1024 * 1024;

const NOT_YET = "Switchboard does not send WhatsApp media yet (WhatsApp does).";

/** The WhatsApp Web platform's message support (docs/messages.md is made from it). */
export const WHATSAPP_WEB_MESSAGES: MessageSupport = {
  send: ["text", "location", "contact", "reaction"],
  receive: ["text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "reaction"],
  operations: ["reply", "edit", "delete"],
  receipts: ["delivered", "read"],
  maxMediaBytes: WHATSAPP_MAX_MEDIA_BYTES,
  notes: {
    image: `${NOT_YET} Received media arrives as metadata (mediaId \`wa:<message id>\`); fetching its bytes through the gateway is not built yet.`,
    video: NOT_YET,
    audio: NOT_YET,
    voice: NOT_YET,
    document: NOT_YET,
    sticker: NOT_YET,
    edit: "Text messages the instance sent, within 15 minutes (WhatsApp's rule).",
    reply: "The quoted message must be in the instance's stored history.",
    reaction: "On a message in the instance's stored history.",
  },
};

/** The message to send, its Baileys content and options. */
export interface BaileysSend {
  content: AnyMessageContent;
  options: MiscMessageGenerationOptions;
}

/**
 * The Baileys content of `content` to chat `jid`, quoting `replyTo` when given.
 * @throws {SwitchboardError} `VALIDATION_FAILED` (a reply or reaction to a message not stored),
 *   `NOT_SUPPORTED` (media: not built yet).
 */
export async function toBaileys(host: Pick<SessionHost, "storedMessage">, jid: string, selfJid: string, content: SendContent, replyTo?: string): Promise<BaileysSend> {
  const options: MiscMessageGenerationOptions = {};
  if (replyTo !== undefined) {
    const quoted = await known(host, replyTo, "replyTo");
    options.quoted = { key: keyOf(jid, replyTo, quoted, selfJid), message: { conversation: quoted.body } };
  }
  switch (content.type) {
    case "text":
      return { content: { text: content.text }, options };
    case "location":
      return {
        content: {
          location: {
            degreesLatitude: content.latitude,
            degreesLongitude: content.longitude,
            ...(content.name !== undefined ? { name: content.name } : {}),
            ...(content.address !== undefined ? { address: content.address } : {}),
          },
        },
        options,
      };
    case "contact":
      return { content: { contacts: { ...(content.displayName !== undefined ? { displayName: content.displayName } : {}), contacts: [{ vcard: content.vcard }] } }, options };
    case "reaction": {
      const target = await known(host, content.messageId, "content.messageId");
      return { content: { react: { text: content.emoji, key: keyOf(jid, content.messageId, target, selfJid) } }, options: {} };
    }
    default:
      throw err("NOT_SUPPORTED", { message: NOT_YET, details: { platform: "whatsapp-web", contentType: content.type } });
  }
}

/** The key of a message this account sent in chat `jid` (edits and deletes). @throws {SwitchboardError} `VALIDATION_FAILED`, `NOT_FOUND`. */
export async function ownKey(host: Pick<SessionHost, "storedMessage">, jid: string, messageId: string): Promise<WAMessageKey> {
  const m = await host.storedMessage(messageId);
  if (!m || m.threadId !== jid) throw err("NOT_FOUND", { message: `No message ${messageId} of this chat is in this instance's history.`, details: { messageId } });
  if (m.direction !== "sent") throw err("VALIDATION_FAILED", { message: "Only messages this instance sent can be edited or deleted for everyone.", details: { issues: [{ path: "params.messageId", message: "Not sent by this instance" }] } });
  return { remoteJid: jid, id: messageId, fromMe: true };
}

/** A stored message (sent or received). @throws {SwitchboardError} `VALIDATION_FAILED` when the history has none. */
async function known(host: Pick<SessionHost, "storedMessage">, messageId: string, path: string): Promise<StoredMessageRef> {
  const m = await host.storedMessage(messageId);
  // (not checked against `jid`: a received message may be stored under the contact's LID chat)
  if (!m) {
    throw err("VALIDATION_FAILED", {
      message: `No message ${messageId} is in this instance's history; WhatsApp needs the whole message key.`,
      details: { issues: [{ path: `body.${path}`, message: "Unknown message" }] },
    });
  }
  return m;
}

/** The key of a stored message: `fromMe` for sent ones; the author as `participant` in groups. */
function keyOf(jid: string, id: string, m: StoredMessageRef, selfJid: string): WAMessageKey {
  const fromMe = m.direction === "sent";
  const group = jid.endsWith("@g.us");
  return { remoteJid: jid, id, fromMe, ...(group ? { participant: fromMe ? selfJid : m.senderId } : {}) };
}
