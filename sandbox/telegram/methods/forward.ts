/**
 * forwardMessage and copyMessage (tdlib/telegram-bot-api Client.cpp `process_forward_message_query`,
 * `process_copy_message_query`: `from_chat_id` is required, then `check_message` with "message to
 * forward" / "message to copy", then `do_send_message`). A forward keeps the content and gains
 * `forward_origin` (Bot API MessageOrigin: the user, the bot, or the channel it came from); a copy
 * keeps the content without a link to the original, may replace the caption of a media message
 * (when `caption` is given at all), and answers a MessageId.
 */
import { textLength } from "../entities.js";
import { apiError, badRequest } from "../errors.js";
import type { Message, MessageOrigin } from "../objects.js";
import type { StoredMessage } from "../state.js";
import { checkFlood, createOutgoing, findReply, formatted, replyMarkup, replyParameters, resolveChat, targetChat } from "./common.js";
import type { MethodContext } from "./context.js";
import { MAX_CAPTION_LENGTH } from "./media.js";

/** The content fields a forward or a copy carries over. */
const CONTENT_FIELDS = [
  "text", "entities", "photo", "document", "video", "animation", "audio", "voice", "sticker", "location", "contact", "caption", "caption_entities",
] as const satisfies ReadonlyArray<keyof Message>;

function contentOf(m: Message): Partial<Message> {
  const out: Partial<Message> = {};
  for (const k of CONTENT_FIELDS) if (m[k] !== undefined) (out as Record<string, unknown>)[k] = m[k];
  return out;
}

/** The message `message_id` of `from_chat_id` the bot can read, or "<what> not found". */
function sourceMessage(ctx: MethodContext, what: string): StoredMessage {
  const { params, bot } = ctx;
  const fromRaw = params.arg("from_chat_id");
  if (fromRaw === "") throw badRequest('Parameter "from_chat_id" is required');
  const messageId = Math.max(0, params.int("message_id", 0));
  const from = resolveChat(ctx, fromRaw);
  const stored = messageId > 0 ? bot.chats.get(from.id)?.messages.get(messageId) : undefined;
  if (!stored || stored.deleted) throw badRequest(`${what} not found`);
  return stored;
}

function originOf(m: Message): MessageOrigin {
  if (m.chat.type === "channel") return { type: "channel", date: m.date, chat: m.chat, message_id: m.message_id };
  if (m.sender_chat) return { type: "chat", date: m.date, sender_chat: m.sender_chat };
  return { type: "user", date: m.date, sender_user: m.from! };
}

/** forwardMessage → the new Message. */
export function forwardMessage(ctx: MethodContext): unknown {
  const source = sourceMessage(ctx, "message to forward");
  const chat = targetChat(ctx);
  checkFlood(ctx, chat);
  const original = source.message;
  const content = { ...contentOf(original), forward_origin: original.forward_origin ?? originOf(original) };
  return createOutgoing(ctx, "forwardMessage", chat, null, content, {});
}

/** copyMessage → `{message_id}`. */
export function copyMessage(ctx: MethodContext): unknown {
  const { params } = ctx;
  const source = sourceMessage(ctx, "message to copy");
  const replaceCaption = params.has("caption");
  const caption = replaceCaption ? formatted(ctx, params.arg("caption"), params.arg("parse_mode"), params.arg("caption_entities")) : null;
  const reply = replyParameters(ctx);
  const markup = replyMarkup(ctx);
  const chat = targetChat(ctx);
  const replyTo = findReply(ctx.bot, chat, reply, ctx);
  const content = contentOf(source.message);
  // A text message has no caption to replace: a new caption is ignored (our reading of TDLib's messageCopyOptions).
  if (caption && content.text === undefined) {
    if (textLength(caption.text) > MAX_CAPTION_LENGTH) throw apiError("captionTooLong");
    delete content.caption;
    delete content.caption_entities;
    if (caption.text !== "") {
      content.caption = caption.text;
      if (caption.entities.length > 0) content.caption_entities = caption.entities;
    }
  }
  checkFlood(ctx, chat);
  const copy = createOutgoing(ctx, "copyMessage", chat, replyTo, content, markup);
  return { message_id: copy.message_id };
}
