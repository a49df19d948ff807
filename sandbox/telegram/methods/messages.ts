/** sendMessage, sendLocation, sendVenue, sendContact, sendChatAction, editMessageText, deleteMessage (media: ./media.ts; other edits: ./edits.ts). */
import { DELETE_WINDOW_MS } from "../engine.js";
import { textLength } from "../entities.js";
import { apiError, badRequest } from "../errors.js";
import type { Message } from "../objects.js";
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

/** sendMessage (Client::process_send_message_query, then do_send_message). */
export function sendMessage(ctx: MethodContext): unknown {
  const { params } = ctx;
  checkLinkPreviewOptions(ctx);
  if (params.arg("text") === "") throw apiError("messageTextEmpty");
  const text = formatted(ctx, params.arg("text"), params.arg("parse_mode"), params.arg("entities"));
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

/** The common tail of a send: reply, markup, chat, replied message, flood; then the message. */
function sendContent(ctx: MethodContext, method: string, content: Partial<Message>): Message {
  const reply = replyParameters(ctx);
  const markup = replyMarkup(ctx);
  const chat = targetChat(ctx);
  const replyTo = findReply(ctx.bot, chat, reply, ctx);
  checkFlood(ctx, chat);
  return createOutgoing(ctx, method, chat, replyTo, content, markup);
}

/**
 * sendLocation (Client::process_send_location_query, `get_location`): `latitude is empty`,
 * `longitude is empty`; then TDLib's range check (our wording of its answer: `location is invalid`
 * outside −90…90 / −180…180). `live_period`, `heading`, `proximity_alert_radius` are echoed when set.
 */
export function sendLocation(ctx: MethodContext): unknown {
  return sendContent(ctx, "sendLocation", { location: readLocation(ctx) });
}

/** The location parameters of sendLocation and sendVenue (Client::get_location, then the range check). */
function readLocation(ctx: MethodContext): NonNullable<Message["location"]> {
  const { params } = ctx;
  const lat = params.arg("latitude").trim();
  if (lat === "") throw badRequest("Bad Request: latitude is empty");
  const lon = params.arg("longitude").trim();
  if (lon === "") throw badRequest("Bad Request: longitude is empty");
  const latitude = Number.parseFloat(lat);
  const longitude = Number.parseFloat(lon);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw badRequest("location is invalid");
  const location: NonNullable<Message["location"]> = { latitude, longitude };
  const accuracy = Number.parseFloat(params.arg("horizontal_accuracy"));
  if (Number.isFinite(accuracy) && accuracy > 0) location.horizontal_accuracy = Math.min(accuracy, 1500);
  const livePeriod = params.int("live_period", 0);
  if (livePeriod > 0) {
    location.live_period = livePeriod;
    const heading = params.int("heading", 0);
    if (heading > 0) location.heading = heading;
    const radius = params.int("proximity_alert_radius", 0);
    if (radius > 0) location.proximity_alert_radius = radius;
  }
  return location;
}

/**
 * sendVenue (Client::process_send_venue_query): a location with `title` and `address`, which the
 * Bot API server passes on as given (an empty one is TDLib's to judge; the sandbox accepts it), and
 * the optional Foursquare / Google Places ids. The message has both `venue` and `location`.
 */
export function sendVenue(ctx: MethodContext): unknown {
  const { params } = ctx;
  const location = readLocation(ctx);
  const venue: NonNullable<Message["venue"]> = { location, title: params.arg("title"), address: params.arg("address") };
  for (const k of ["foursquare_id", "foursquare_type", "google_place_id", "google_place_type"] as const) {
    const v = params.arg(k);
    if (v !== "") venue[k] = v;
  }
  return sendContent(ctx, "sendVenue", { venue, location });
}

/** sendContact (Client::process_send_contact_query): `phone_number` and `first_name` are required (`Parameter "…" is required`). */
export function sendContact(ctx: MethodContext): unknown {
  const { params } = ctx;
  const phone_number = params.arg("phone_number");
  if (phone_number === "") throw badRequest('Parameter "phone_number" is required');
  const first_name = params.arg("first_name");
  if (first_name === "") throw badRequest('Parameter "first_name" is required');
  const last_name = params.arg("last_name");
  const vcard = params.arg("vcard");
  const contact: NonNullable<Message["contact"]> = { phone_number, first_name, ...(last_name ? { last_name } : {}), ...(vcard ? { vcard } : {}) };
  return sendContent(ctx, "sendContact", { contact });
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

/**
 * The bot's own stored message an edit names (editMessageText, editMessageCaption,
 * editMessageReplyMarkup): `chat_id` + `message_id` (inline messages are not simulated: "message
 * identifier is not specified" / MESSAGE_ID_INVALID), "message to edit not found", "message can't be edited".
 */
export function ownMessage(ctx: MethodContext): { chat: TargetChat; messageId: number; stored: ReturnType<typeof storedMessage> } {
  const { params } = ctx;
  const messageId = Math.max(0, params.int("message_id", 0));
  if (params.arg("chat_id") === "" && messageId === 0) {
    if (params.arg("inline_message_id") === "") throw apiError("messageIdentifierNotSpecified");
    throw apiError("messageIdInvalid");
  }
  const chat = targetChat(ctx);
  const stored = storedMessage(ctx, chat, messageId, "editNotFound");
  if (!stored.outgoing) throw apiError("cantEdit");
  return { chat, messageId, stored };
}

/** editMessageText: the bot's own text messages; the same content again is "message is not modified". */
export function editMessageText(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  checkLinkPreviewOptions(ctx);
  if (params.arg("text") === "") throw apiError("messageTextEmpty");
  const text = formatted(ctx, params.arg("text"), params.arg("parse_mode"), params.arg("entities"));
  if (text.text === "") throw apiError("messageTextEmpty");
  const markup = replyMarkup(ctx);
  const { chat, messageId, stored } = ownMessage(ctx);
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
