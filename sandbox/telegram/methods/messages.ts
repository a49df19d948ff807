/** sendMessage, sendPhoto, sendChatAction, editMessageText, deleteMessage. */
import { randomBytes } from "node:crypto";
import { DELETE_WINDOW_MS, type TelegramEngine } from "../engine.js";
import { textLength } from "../entities.js";
import { apiError } from "../errors.js";
import type { Message, PhotoSize } from "../objects.js";
import type { UploadedFile } from "../params.js";
import {
  checkFlood,
  checkLinkPreviewOptions,
  createOutgoing,
  findReply,
  formatted,
  replyMarkup,
  replyParameters,
  resolveChat,
  type TargetChat,
  targetChat,
} from "./common.js";
import type { MethodContext } from "./context.js";

const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;

/** sendMessage (Client::process_send_message_query, then do_send_message). */
export function sendMessage(ctx: MethodContext): unknown {
  const { params } = ctx;
  checkLinkPreviewOptions(ctx);
  if (params.arg("text") === "") throw apiError("messageTextEmpty");
  const text = formatted(params.arg("text"), params.arg("parse_mode"), params.arg("entities"));
  if (text.text === "") throw apiError("messageTextEmpty");
  const reply = replyParameters(ctx);
  const markup = replyMarkup(ctx);
  const chat = targetChat(ctx);
  const replyTo = findReply(ctx.bot, chat, reply, ctx);
  if (textLength(text.text) > MAX_TEXT_LENGTH) throw apiError("messageTooLong");
  checkFlood(ctx, chat);
  return createOutgoing(ctx, "sendMessage", chat, replyTo, withEntities({ text: text.text }, "entities", text.entities), markup);
}

function withEntities(content: Partial<Message>, key: "entities" | "caption_entities", entities: Message["entities"]): Partial<Message> {
  if (entities && entities.length > 0) content[key] = entities;
  return content;
}

/** sendPhoto: a file_id known to the sandbox, an HTTP(S) URL (not fetched), or an uploaded file. */
export function sendPhoto(ctx: MethodContext): unknown {
  const { params, engine } = ctx;
  const source = photoSource(ctx);
  if (!source) throw apiError("noPhoto");
  const caption = formatted(params.arg("caption"), params.arg("parse_mode"), params.arg("caption_entities"));
  const reply = replyParameters(ctx);
  const markup = replyMarkup(ctx);
  const chat = targetChat(ctx);
  const replyTo = findReply(ctx.bot, chat, reply, ctx);
  const photo = photoSizes(engine, source);
  if (!photo) throw apiError("wrongFileId");
  if (textLength(caption.text) > MAX_CAPTION_LENGTH) throw apiError("captionTooLong");
  checkFlood(ctx, chat);
  const content: Partial<Message> = { photo };
  if (caption.text !== "") {
    content.caption = caption.text;
    withEntities(content, "caption_entities", caption.entities);
  }
  return createOutgoing(ctx, "sendPhoto", chat, replyTo, content, markup);
}

type PhotoSource = { kind: "string"; value: string } | { kind: "file"; file: UploadedFile };

function photoSource({ params }: MethodContext): PhotoSource | null {
  const value = params.arg("photo");
  if (value.startsWith("attach://")) {
    const file = params.file(value.slice("attach://".length));
    return file ? { kind: "file", file } : null;
  }
  if (value !== "") return { kind: "string", value };
  const file = params.file("photo");
  return file ? { kind: "file", file } : null;
}

function fileId(prefix: string, length: number): string {
  return prefix + randomBytes(length).toString("base64url");
}

/** The sizes Telegram would make of a photo (90, 320, 800 px); a known file_id names its sizes again. */
function photoSizes(engine: TelegramEngine, source: PhotoSource): PhotoSize[] | null {
  if (source.kind === "string") {
    const known = engine.files.get(source.value);
    if (known) return known;
    if (!/^https?:\/\/[^\s/]+/i.test(source.value)) return null;
  }
  const total = source.kind === "file" ? source.file.data.length : 48_000;
  const sizes: PhotoSize[] = [90, 320, 800].map((side, i) => ({
    file_id: fileId("AgACAgIAAxkBAAI", 48),
    file_unique_id: fileId("AQAD", 12),
    file_size: Math.max(1, Math.round(total / [16, 4, 1][i]!)),
    width: side,
    height: side,
  }));
  for (const s of sizes) engine.files.set(s.file_id, sizes);
  return sizes;
}

const CHAT_ACTIONS = new Set([
  "cancel", "typing", "record_video", "upload_video", "record_audio", "record_voice", "upload_audio", "upload_voice",
  "upload_photo", "upload_document", "choose_sticker", "pick_up_location", "find_location", "record_video_note", "upload_video_note",
]);

/** sendChatAction: the action is checked first (Client::get_chat_action), then the chat. */
export function sendChatAction(ctx: MethodContext): unknown {
  const action = ctx.params.arg("action").toLowerCase();
  if (!CHAT_ACTIONS.has(action)) throw apiError("wrongChatAction");
  const chat = targetChat(ctx);
  ctx.engine.recordSent(ctx.bot, { method: "sendChatAction", chat_id: chat.id, action });
  return true;
}

function storedMessage(ctx: MethodContext, chat: TargetChat, messageId: number, notFound: "editNotFound" | "deleteNotFound") {
  const stored = messageId > 0 ? ctx.bot.chats.get(chat.id)?.messages.get(messageId) : undefined;
  if (!stored || stored.deleted) throw apiError(notFound);
  return stored;
}

/** editMessageText: the bot's own text messages; the same content again is "message is not modified". */
export function editMessageText(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  checkLinkPreviewOptions(ctx);
  if (params.arg("text") === "") throw apiError("messageTextEmpty");
  const text = formatted(params.arg("text"), params.arg("parse_mode"), params.arg("entities"));
  if (text.text === "") throw apiError("messageTextEmpty");
  const chatIdRaw = params.arg("chat_id");
  const messageId = Math.max(0, params.int("message_id", 0));
  const markup = replyMarkup(ctx);
  if (chatIdRaw === "" && messageId === 0) {
    if (params.arg("inline_message_id") === "") throw apiError("messageIdentifierNotSpecified");
    throw apiError("messageIdInvalid");
  }
  const chat = targetChat(ctx);
  const stored = storedMessage(ctx, chat, messageId, "editNotFound");
  if (!stored.outgoing) throw apiError("cantEdit");
  if (stored.message.text === undefined) throw apiError("noTextToEdit");
  if (textLength(text.text) > MAX_TEXT_LENGTH) throw apiError("messageTooLong");
  const before = stored.message;
  const sameText = before.text === text.text && JSON.stringify(before.entities ?? []) === JSON.stringify(text.entities);
  const sameMarkup = JSON.stringify(before.reply_markup ?? null) === JSON.stringify(markup.inline ?? null);
  if (sameText && sameMarkup) throw apiError("notModified");
  const { entities: _e, reply_markup: _m, edit_date: _d, ...rest } = before;
  const edited: Message = { ...rest, text: text.text, edit_date: engine.nowSeconds() };
  if (text.entities.length > 0) edited.entities = text.entities;
  if (markup.inline) edited.reply_markup = markup.inline;
  // Keep the key order of a fresh message: text before edit_date is fine for JSON readers.
  stored.message = edited;
  if (markup.raw !== undefined) stored.replyMarkup = markup.raw;
  engine.recordSent(bot, { method: "editMessageText", chat_id: chat.id, message: edited, message_id: messageId });
  return edited;
}

/**
 * deleteMessage: within 48 hours of sending; the bot's own messages, or incoming ones in a private
 * chat, or any message where the bot is an administrator (Bot API docs, deleteMessage).
 */
export function deleteMessage(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  const chatIdRaw = params.arg("chat_id");
  if (chatIdRaw === "") throw apiError("chatIdentifierNotSpecified");
  const messageId = Math.max(0, params.int("message_id", 0));
  if (messageId === 0) throw apiError("messageIdentifierNotSpecified");
  const chat = resolveChat(ctx, chatIdRaw);
  const stored = storedMessage(ctx, chat, messageId, "deleteNotFound");
  if (engine.now() - stored.message.date * 1000 > DELETE_WINDOW_MS) throw apiError("cantDelete");
  const status = chat.record?.members.get(bot.id);
  const isAdmin = status === "administrator" || status === "creator";
  if (!stored.outgoing && !chat.isPrivate && !isAdmin) throw apiError("cantDelete");
  stored.deleted = true;
  engine.recordSent(bot, { method: "deleteMessage", chat_id: chat.id, message_id: messageId });
  return true;
}
