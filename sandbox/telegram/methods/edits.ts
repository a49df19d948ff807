/**
 * Changes to sent messages besides their text: editMessageCaption, editMessageReplyMarkup,
 * setMessageReaction (tdlib/telegram-bot-api Client.cpp `process_edit_message_caption_query`,
 * `process_edit_message_reply_markup_query`, `process_set_message_reaction_query`,
 * `get_reaction_types`; editMessageText is in ./messages.ts).
 *
 * Rules: an edit needs `chat_id` + `message_id` (inline messages are not simulated: "message
 * identifier is not specified" / MESSAGE_ID_INVALID, as for editMessageText); only the bot's own
 * messages can be edited ("message can't be edited"); a caption edit needs a message with media
 * ("there is no caption in the message to edit"); the same content again is "message is not
 * modified: …". A reaction needs a message the bot can read ("message to react not found"); bots
 * set at most one reaction (Bot API docs, setMessageReaction: "Bots can set up to one reaction per
 * message"; more: REACTIONS_TOO_MANY), an emoji from the documented list (../reactions.ts; else
 * REACTION_INVALID); an empty list removes the bot's reaction.
 */
import { textLength } from "../entities.js";
import { apiError, badRequest } from "../errors.js";
import type { Message, ReactionType } from "../objects.js";
import { REACTION_EMOJI } from "../reactions.js";
import { formatted, replyMarkup, resolveChat } from "./common.js";
import type { MethodContext } from "./context.js";
import { MAX_CAPTION_LENGTH } from "./media.js";
import { ownMessage } from "./messages.js";

const MEDIA_FIELDS = ["photo", "document", "video", "animation", "audio", "voice"] as const;

/** editMessageCaption: the caption of the bot's own media message (empty removes it). */
export function editMessageCaption(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  const markup = replyMarkup(ctx);
  const caption = formatted(ctx, params.arg("caption"), params.arg("parse_mode"), params.arg("caption_entities"));
  const { chat, messageId, stored } = ownMessage(ctx);
  const before = stored.message;
  if (!MEDIA_FIELDS.some((f) => before[f] !== undefined)) throw badRequest("there is no caption in the message to edit");
  if (textLength(caption.text) > MAX_CAPTION_LENGTH) throw apiError("captionTooLong");
  const sameCaption = (before.caption ?? "") === caption.text && JSON.stringify(before.caption_entities ?? []) === JSON.stringify(caption.entities);
  const sameMarkup = JSON.stringify(before.reply_markup ?? null) === JSON.stringify(markup.inline ?? null);
  if (sameCaption && sameMarkup) throw apiError("notModified");
  const { caption: _c, caption_entities: _e, reply_markup: _m, edit_date: _d, ...rest } = before;
  const edited: Message = { ...rest, edit_date: engine.nowSeconds() };
  if (caption.text !== "") {
    edited.caption = caption.text;
    if (caption.entities.length > 0) edited.caption_entities = caption.entities;
  }
  if (markup.inline) edited.reply_markup = markup.inline;
  stored.message = edited;
  if (markup.raw !== undefined) stored.replyMarkup = markup.raw;
  engine.recordSent(bot, { method: "editMessageCaption", chat_id: chat.id, message: edited, message_id: messageId });
  return edited;
}

/** editMessageReplyMarkup: replaces (or, without `reply_markup`, removes) the inline keyboard of the bot's own message. */
export function editMessageReplyMarkup(ctx: MethodContext): unknown {
  const { engine, bot } = ctx;
  const markup = replyMarkup(ctx);
  const { chat, messageId, stored } = ownMessage(ctx);
  const before = stored.message;
  if (JSON.stringify(before.reply_markup ?? null) === JSON.stringify(markup.inline ?? null)) throw apiError("notModified");
  const { reply_markup: _m, edit_date: _d, ...rest } = before;
  const edited: Message = { ...rest, edit_date: engine.nowSeconds() };
  if (markup.inline) edited.reply_markup = markup.inline;
  stored.message = edited;
  stored.replyMarkup = markup.raw;
  engine.recordSent(bot, { method: "editMessageReplyMarkup", chat_id: chat.id, message: edited, message_id: messageId, ...(markup.raw !== undefined ? { reply_markup: markup.raw } : {}) });
  return edited;
}

/** Client::get_reaction_types: JSON array of ReactionType; "" is no reaction. */
function reactionTypes(raw: string): ReactionType[] {
  if (raw === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest("Can't parse reaction types JSON object");
  }
  if (!Array.isArray(value)) throw badRequest("Expected an Array of ReactionType");
  return value.map((v): ReactionType => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw badRequest("Can't parse ReactionType: expected an Object");
    const o = v as Record<string, unknown>;
    const field = (name: string): string => {
      if (!(name in o)) throw badRequest(`Can't parse ReactionType: Can't find field "${name}"`);
      const x = o[name];
      if (typeof x === "string") return x;
      if (typeof x === "number") return String(x);
      throw badRequest(`Can't parse ReactionType: Field "${name}" must be of type String`);
    };
    const type = field("type");
    if (type === "emoji") return { type: "emoji", emoji: field("emoji") };
    if (type === "custom_emoji") return { type: "custom_emoji", custom_emoji_id: field("custom_emoji_id") };
    throw badRequest("Can't parse ReactionType: invalid reaction type specified");
  });
}

/** setMessageReaction: the bot's reaction on a message in a chat it can read; recorded for the control API. */
export function setMessageReaction(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  const messageId = Math.max(0, params.int("message_id", 0));
  const reaction = reactionTypes(params.arg("reaction"));
  const chat = resolveChat(ctx, params.arg("chat_id"));
  const stored = messageId > 0 ? bot.chats.get(chat.id)?.messages.get(messageId) : undefined;
  if (!stored || stored.deleted) throw badRequest("message to react not found");
  if (reaction.length > 1) throw badRequest("REACTIONS_TOO_MANY");
  for (const r of reaction) {
    if (r.type === "emoji" && !REACTION_EMOJI.has(r.emoji)) throw badRequest("REACTION_INVALID");
    // Custom emoji reactions need Telegram Premium emoji sets the sandbox does not have.
    if (r.type === "custom_emoji") throw badRequest("REACTION_INVALID");
  }
  stored.botReaction = reaction;
  engine.recordSent(bot, { method: "setMessageReaction", chat_id: chat.id, message_id: messageId, reaction, ...(params.bool("is_big") ? { is_big: true } : {}) });
  return true;
}
