/**
 * The method table and the dispatch of one API call: token shape, session rules (engine.authorize),
 * then the method, matched case-insensitively like the real server (Query lower-cases the name).
 */
import type { TelegramEngine } from "../engine.js";
import { BOT_API_METHODS } from "../bot-api-methods.js";
import { ApiError, apiError, notImplementedMethod } from "../errors.js";
import type { Params } from "../params.js";
import { type BotRecord, isWellFormedToken, type World } from "../state.js";
import { closeMethod, getMe, logOut } from "./bot.js";
import { Answer, type MethodHandler } from "./context.js";
import { deleteMyCommands, getMyCommands, getMyName, setMyCommands, setMyName } from "./bot-settings.js";
import { answerCallbackQuery } from "./callbacks.js";
import { editMessageCaption, editMessageReplyMarkup, setMessageReaction } from "./edits.js";
import { getFile } from "./files.js";
import { copyMessage, forwardMessage } from "./forward.js";
import { sendAnimation, sendAudio, sendDocument, sendMediaGroup, sendPhoto, sendSticker, sendVideo, sendVoice } from "./media.js";
import { deleteMessage, editMessageText, sendChatAction, sendContact, sendLocation, sendMessage, sendVenue } from "./messages.js";
import { deleteWebhook, getUpdates, getWebhookInfo, setWebhook } from "./updates.js";

/** The implemented methods, by their names as the Bot API documents them. */
export const METHODS: Readonly<Record<string, MethodHandler>> = {
  getMe,
  logOut,
  close: closeMethod,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  sendPhoto,
  sendDocument,
  sendVideo,
  sendAnimation,
  sendAudio,
  sendVoice,
  sendSticker,
  sendMediaGroup,
  sendLocation,
  sendVenue,
  sendContact,
  sendChatAction,
  forwardMessage,
  copyMessage,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  setMessageReaction,
  getFile,
  answerCallbackQuery,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  setMyName,
  getMyName,
};

export const IMPLEMENTED_METHODS: readonly string[] = Object.keys(METHODS);

const BY_LOWER = new Map(Object.entries(METHODS).map(([name, fn]) => [name.toLowerCase(), fn]));
/** Bot API method names by their lower-cased form (the server matches names case-insensitively). */
const KNOWN_LOWER = new Map(BOT_API_METHODS.map((name) => [name.toLowerCase(), name]));

export interface CallResult {
  result: unknown;
  description?: string;
}

/** One call as the HTTP layer receives it: `/bot<token>[/test]/<method>`. Throws {@link ApiError}. */
export async function dispatch(
  engine: TelegramEngine,
  world: World,
  token: string,
  methodName: string,
  params: Params,
  onAbort: (fn: () => void) => void = () => {},
): Promise<CallResult> {
  if (!isWellFormedToken(token)) throw apiError(engine.settings.profile === "local" ? "invalidTokenLocal" : "unauthorized");
  const method = methodName.toLowerCase();
  const bot = engine.authorize(world, token, method);
  return run(engine, world, bot, method, params, onAbort);
}

/** A call made on behalf of a bot already known to be running (a webhook reply). */
export async function dispatchAs(engine: TelegramEngine, bot: BotRecord, methodName: string, params: Params): Promise<CallResult> {
  const world = engine.worldOf(bot);
  const method = methodName.toLowerCase();
  if (bot.session !== "active") throw apiError("unauthorized");
  return run(engine, world, bot, method, params, () => {});
}

async function run(
  engine: TelegramEngine,
  world: World,
  bot: BotRecord,
  method: string,
  params: Params,
  onAbort: (fn: () => void) => void,
): Promise<CallResult> {
  const handler = BY_LOWER.get(method);
  if (!handler) {
    const known = KNOWN_LOWER.get(method);
    throw known ? notImplementedMethod(known, IMPLEMENTED_METHODS) : apiError("methodNotFound");
  }
  const out = await handler({ engine, world, bot, params, method, onAbort });
  if (out instanceof Answer) return out.description === undefined ? { result: out.result } : { result: out.result, description: out.description };
  return { result: out };
}

export { ApiError };
