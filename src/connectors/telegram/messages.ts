/**
 * What the Telegram connector does with the message model (src/core/messages.ts), as data, and the
 * Bot API calls each outbound content becomes (Bot API docs: sendMessage, sendLocation, sendVenue,
 * sendContact, setMessageReaction; ReplyParameters).
 */
import { type Api, InputFile } from "grammy";
import type { OutboundMessage } from "../../core/connector.js";
import { err } from "../../core/errors.js";
import type { MessageSupport, OutgoingMedia, SendContent } from "../../core/messages.js";
import { readVcard } from "./vcard.js";

/** Bot API upload limit for files sent by multipart (Bot API docs, "Sending files": 50 MB). */
export const TELEGRAM_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The Telegram platform's message support (docs/messages.md is made from it). */
export const TELEGRAM_MESSAGES: MessageSupport = {
  send: ["text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "reaction"],
  receive: ["text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "reaction"],
  operations: ["reply", "edit", "delete"],
  receipts: [],
  maxMediaBytes: TELEGRAM_MAX_UPLOAD_BYTES,
  notes: {
    image: "Sent with sendPhoto (Telegram recompresses photos; send a document to keep the file as it is). Received media's `mediaId` is the Bot API `file_id`; its bytes come through getFile (20 MB at most on the cloud Bot API).",
    voice: "Telegram plays OGG/OPUS, MP3 and M4A as voice notes; other audio is shown as a file (Bot API docs, sendVoice).",
    sticker: "A .WEBP (static), .TGS (animated) or .WEBM (video) file (Bot API docs, sendSticker).",
    receipts: "The Bot API tells bots nothing about delivery or reading.",
    reaction:
      "A bot sets at most one reaction per message, from the emoji the Bot API lists (ReactionTypeEmoji). Users' reactions arrive only when `allowedUpdates` includes message_reaction (not in the Bot API's default) and, in groups, the bot is an administrator.",
    delete: "Within 48 hours; in groups, other people's messages only as an administrator (Bot API docs, deleteMessage).",
  },
};

/** The answer of one Bot API send: the message id, and its date (Unix s). */
export interface TelegramSent {
  message_id: number;
  date: number;
  /** The chat id (a `@username` for a reaction sent to a channel by its username). */
  chat: { id: number | string };
}

/**
 * Sends `message` with the Bot API call its content needs. A reaction answers the reacted message
 * (setMessageReaction returns no message). Throws grammY's errors as they come (the caller classifies).
 * @throws {SwitchboardError} `VALIDATION_FAILED` for a message id that is not a number, or a vCard without a phone number.
 */
export async function sendContent(api: Api, message: OutboundMessage, now: () => number): Promise<TelegramSent> {
  const chat = message.threadId;
  const reply = message.replyTo !== undefined ? { reply_parameters: { message_id: messageIdOf(message.replyTo, "replyTo") } } : {};
  const content: SendContent = message.content;
  switch (content.type) {
    case "text":
      return api.sendMessage(chat, content.text, reply);
    case "location":
      if (content.name !== undefined || content.address !== undefined) {
        // A named place is a venue (title and address are both required there).
        return api.sendVenue(chat, content.latitude, content.longitude, content.name ?? content.address ?? "", content.address ?? "", reply);
      }
      return api.sendLocation(chat, content.latitude, content.longitude, reply);
    case "contact": {
      const card = readVcard(content.vcard);
      if (!card.phone) throw err("VALIDATION_FAILED", { message: "Telegram needs a phone number in the vCard (a TEL line).", details: { issues: [{ path: "body.content.vcard", message: "No TEL line" }] } });
      const first = content.displayName || card.firstName || card.formattedName || card.phone;
      return api.sendContact(chat, card.phone, first, { vcard: content.vcard, ...(card.lastName && !content.displayName ? { last_name: card.lastName } : {}), ...reply });
    }
    case "reaction": {
      const target = messageIdOf(content.messageId, "content.messageId");
      await api.setMessageReaction(chat, target, content.emoji === "" ? [] : [{ type: "emoji", emoji: content.emoji as "👍" }]);
      return { message_id: target, date: Math.floor(now() / 1000), chat: { id: chat } };
    }
    case "image":
      return api.sendPhoto(chat, fileOf(content.media), { ...caption(content.caption), ...reply });
    case "video":
      return api.sendVideo(chat, fileOf(content.media), { ...caption(content.caption), ...reply });
    case "document":
      return api.sendDocument(chat, fileOf(content.media, content.fileName), { ...caption(content.caption), ...reply });
    case "audio":
      return api.sendAudio(chat, fileOf(content.media), reply);
    case "voice":
      return api.sendVoice(chat, fileOf(content.media), reply);
    case "sticker":
      return api.sendSticker(chat, fileOf(content.media), reply);
  }
}

/** A fresh upload of the gateway's stream (grammY streams it as multipart; a retry opens the file again). */
function fileOf(media: OutgoingMedia, fileName?: string): InputFile {
  return new InputFile(media.open(), fileName ?? media.fileName);
}

function caption(text: string | undefined): { caption?: string } {
  return text !== undefined && text !== "" ? { caption: text } : {};
}

/** A Telegram message id (a positive integer as text). @throws {SwitchboardError} `VALIDATION_FAILED`. */
export function messageIdOf(id: string, path: string): number {
  const n = Number(id);
  if (!Number.isInteger(n) || n <= 0) {
    throw err("VALIDATION_FAILED", { message: `A Telegram message id is a positive integer; got ${JSON.stringify(id)}.`, details: { issues: [{ path: `body.${path}`, message: "Not a Telegram message id" }] } });
  }
  return n;
}
