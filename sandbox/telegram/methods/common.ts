/**
 * What the sending methods share, in the real server's order of checks: formatted text, reply
 * parameters, reply markup, the target chat (Client::check_chat), the flood limits, and the
 * creation of the bot's message.
 */
import { EntityParseError, formatText, type FormattedText, UnsupportedParseModeError } from "../entities.js";
import { ApiError, apiError, badRequest, tooManyRequests } from "../errors.js";
import { ExplicitEntityError, NoAccessToUserError, readExplicitEntities } from "../explicit-entities.js";
import {
  botUserJson,
  type Chat,
  groupChatJson,
  type InlineKeyboardMarkup,
  type Message,
  privateChatJson,
  type User,
  userJson,
} from "../objects.js";
import { toInteger } from "../params.js";
import type { BotRecord, ChatRecord, StoredMessage } from "../state.js";
import type { MethodContext } from "./context.js";

export interface TargetChat {
  id: number;
  json: Chat;
  isPrivate: boolean;
  record?: ChatRecord;
}

/**
 * The target chat of a send or edit. A `business_connection_id` names a connection the sandbox
 * never has ("business connection not found", Client::check_business_connection).
 */
export function targetChat(ctx: MethodContext): TargetChat {
  if (ctx.params.arg("business_connection_id") !== "") throw badRequest("business connection not found");
  return resolveChat(ctx, ctx.params.arg("chat_id"));
}

/** `link_preview_options` must be a JSON object when given (Client::get_link_preview_options). */
export function checkLinkPreviewOptions({ params }: MethodContext): void {
  const raw = params.arg("link_preview_options");
  if (raw === "") return;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest("Can't parse link preview options JSON object");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest("Object expected as link preview options");
}

/** Client::check_chat and check_chat_access, against what the bot knows. */
export function resolveChat({ world, bot }: MethodContext, raw: string): TargetChat {
  if (raw === "") throw apiError("chatIdEmpty");
  if (raw.startsWith("@")) {
    const chat = world.chatByUsername(raw);
    if (chat) return groupTarget(bot, chat);
    const other = world.findBot(raw);
    if (other && other !== bot) throw apiError("cantSendToBot");
    throw apiError("chatNotFound");
  }
  const id = toInteger(raw);
  if (id > 0) {
    const user = world.users.get(id);
    if (!user || !bot.knownUsers.has(id)) throw apiError("chatNotFound");
    if (!bot.startedBy.has(id)) throw apiError("cantInitiate");
    if (bot.blockedBy.has(id)) throw apiError("botBlocked");
    return { id, json: privateChatJson(user), isPrivate: true };
  }
  const chat = world.chats.get(id);
  if (!chat) throw apiError("chatNotFound");
  return groupTarget(bot, chat);
}

function groupTarget(bot: BotRecord, chat: ChatRecord): TargetChat {
  if (chat.migratedTo !== undefined) throw apiError("groupUpgraded", { migrate_to_chat_id: chat.migratedTo });
  const status = chat.members.get(bot.id);
  if (status === "kicked") {
    if (chat.type === "group") throw apiError("kickedFromGroup");
    throw new ApiError(403, `Forbidden: bot was kicked from the ${chat.type} chat`);
  }
  if (status === undefined || status === "left") {
    throw apiError(chat.type === "group" ? "notGroupMember" : chat.type === "supergroup" ? "notSupergroupMember" : "notChannelMember");
  }
  if (chat.type === "channel" && status !== "administrator" && status !== "creator") {
    throw new ApiError(400, "Bad Request: need administrator rights in the channel chat");
  }
  return { id: chat.id, json: groupChatJson(chat), isPrivate: false, record: chat };
}

/** Explicit `entities` / `caption_entities` (a JSON array), or undefined. */
/**
 * Text + parse_mode (or explicit entities, ../explicit-entities.ts) → the message text, as TDLib
 * formats it. A `text_mention` names a user by the sandbox's users and bots.
 */
export function formatted(ctx: MethodContext, raw: string, parseMode: string, entitiesRaw: string): FormattedText {
  if (Buffer.byteLength(raw, "utf8") > 1 << 15) throw apiError("textTooLong");
  const userOf = (id: number): User | undefined => {
    const u = ctx.world.users.get(id);
    if (u) return userJson(u);
    const b = ctx.world.bots.get(id);
    return b ? botUserJson(b) : undefined;
  };
  try {
    return formatText(raw, parseMode, parseMode.toLowerCase() === "" || parseMode.toLowerCase() === "none" || raw === "" ? readExplicitEntities(entitiesRaw, userOf) : undefined);
  } catch (e) {
    if (e instanceof ExplicitEntityError) throw badRequest(`Can't parse MessageEntity: ${e.message}`);
    if (e instanceof NoAccessToUserError) throw badRequest(e.message);
    if (e instanceof EntityParseError) throw new ApiError(400, `Bad Request: can't parse entities: ${e.message}`);
    if (e instanceof UnsupportedParseModeError) throw apiError("unsupportedParseMode");
    throw e;
  }
}

export interface ReplyTarget {
  messageId: number;
  chatId: string;
  allowWithoutReply: boolean;
}

/** Client::get_reply_parameters: `reply_parameters` (JSON) or the legacy `reply_to_message_id`. */
export function replyParameters({ params }: MethodContext): ReplyTarget | null {
  if (!params.has("reply_parameters")) {
    const id = Math.max(0, params.int("reply_to_message_id", 0));
    return id > 0 ? { messageId: id, chatId: "", allowWithoutReply: params.bool("allow_sending_without_reply") } : null;
  }
  const raw = params.arg("reply_parameters");
  if (raw === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw apiError("replyParametersJson");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw apiError("replyParametersObject");
  const fields = value as Record<string, unknown>;
  if (Object.keys(fields).length === 0) return null;
  const messageId = fields.message_id;
  if (messageId === undefined) throw badRequest('Can\'t find field "message_id"');
  if (typeof messageId !== "number" || !Number.isInteger(messageId)) throw badRequest('Field "message_id" must be of type Number');
  const chatId = fields.chat_id === undefined ? "" : String(fields.chat_id);
  return { messageId: Math.max(0, messageId), chatId, allowWithoutReply: fields.allow_sending_without_reply === true };
}

/** The message replied to, or null (allow_sending_without_reply), or "message to be replied not found". */
export function findReply(bot: BotRecord, chat: TargetChat, reply: ReplyTarget | null, ctx: MethodContext): StoredMessage | null {
  if (!reply || reply.messageId <= 0) return null;
  let chatId = chat.id;
  if (reply.chatId !== "" && reply.chatId !== String(chat.id)) chatId = resolveChat(ctx, reply.chatId).id;
  const stored = bot.chats.get(chatId)?.messages.get(reply.messageId);
  if (stored && !stored.deleted) return stored;
  if (reply.allowWithoutReply) return null;
  throw apiError("replyNotFound");
}

const BUTTON_FIELDS = [
  "text", "icon_custom_emoji_id", "style", "url", "callback_data", "web_app", "login_url", "switch_inline_query",
  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
];

export interface ParsedMarkup {
  raw?: unknown;
  inline?: InlineKeyboardMarkup;
}

/** Client::get_reply_markup: JSON text; inline keyboards are checked and echoed in the Message. */
export function replyMarkup({ params }: MethodContext): ParsedMarkup {
  const raw = params.arg("reply_markup");
  if (raw === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw apiError("replyMarkupJson");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw apiError("replyMarkupObject");
  const fields = value as Record<string, unknown>;
  if (fields.keyboard !== undefined && !Array.isArray(fields.keyboard)) throw badRequest('Field "keyboard" must be of type Array');
  if (fields.inline_keyboard === undefined) return { raw: value };
  if (!Array.isArray(fields.inline_keyboard)) throw badRequest('Field "inline_keyboard" must be of type Array');
  const rows: Array<Array<Record<string, unknown>>> = [];
  for (const row of fields.inline_keyboard) {
    if (!Array.isArray(row)) throw badRequest('Field "inline_keyboard" must be an Array of Arrays');
    const out: Array<Record<string, unknown>> = [];
    for (const button of row) {
      if (button === null || typeof button !== "object" || Array.isArray(button)) {
        throw badRequest("Can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      }
      const b = button as Record<string, unknown>;
      if (typeof b.text !== "string") throw badRequest('Can\'t parse inline keyboard button: Field "text" must be of type String');
      const kept: Record<string, unknown> = {};
      for (const k of BUTTON_FIELDS) if (b[k] !== undefined) kept[k] = b[k];
      if (Object.keys(kept).length === 1) throw badRequest("Can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if (typeof b.callback_data === "string" && (b.callback_data === "" || Buffer.byteLength(b.callback_data) > 64)) {
        throw badRequest("BUTTON_DATA_INVALID");
      }
      out.push(kept);
    }
    rows.push(out);
  }
  return { raw: value, inline: { inline_keyboard: rows } };
}

/** The flood limits for one more message of the bot in `chat`. */
export function checkFlood({ engine, world, bot }: MethodContext, chat: TargetChat): void {
  const verdict = engine.flood.take(`${world.test ? "test" : "prod"}:${bot.id}`, chat.id, chat.isPrivate);
  if (!verdict.ok) throw tooManyRequests(verdict.retryAfter);
}

/** A message without its own reply (how `reply_to_message` embeds it). */
export function withoutReply(m: Message): Message {
  const { reply_to_message: _nested, ...rest } = m;
  return rest;
}

/** Creates, stores and records the bot's message in `chat` (`method`: the Bot API name, for the record). */
export function createOutgoing(
  ctx: MethodContext,
  method: string,
  chat: TargetChat,
  reply: StoredMessage | null,
  content: Partial<Message>,
  markup: ParsedMarkup,
): Message {
  const { engine, bot } = ctx;
  const log = bot.chatLog(chat.id);
  const message_id = log.nextMessageId++;
  const date = engine.nowSeconds();
  // Channel posts carry the channel as sender and no `from`.
  const message: Message =
    chat.json.type === "channel"
      ? { message_id, sender_chat: chat.json, chat: chat.json, date }
      : { message_id, from: botUserJson(bot), chat: chat.json, date };
  if (reply) message.reply_to_message = withoutReply(reply.message);
  Object.assign(message, content);
  if (markup.inline) message.reply_markup = markup.inline;
  const stored: StoredMessage = { message, outgoing: true, deleted: false };
  if (markup.raw !== undefined) stored.replyMarkup = markup.raw;
  log.keep(message_id, stored);
  engine.recordSent(bot, { method, chat_id: chat.id, message, ...(markup.raw !== undefined ? { reply_markup: markup.raw } : {}) });
  return message;
}
