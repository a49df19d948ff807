/**
 * answerCallbackQuery (tdlib/telegram-bot-api Client.cpp `process_answer_callback_query_query`):
 * `callback_query_id` read as an integer, `text`, `show_alert`, `url`, `cache_time` (0–2 592 000 s).
 * The answer is recorded for the control API (what the user's app would show); rules: ../callbacks.ts.
 */
import { apiError } from "../errors.js";
import type { MethodContext } from "./context.js";

export function answerCallbackQuery(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  const id = params.arg("callback_query_id").trim();
  if (!engine.callbackQueries.answer(id, bot.id, engine.now())) throw apiError("callbackQueryTooOld");
  const text = params.arg("text");
  const url = params.arg("url");
  engine.recordSent(bot, {
    method: "answerCallbackQuery",
    chat_id: 0,
    callback: { callback_query_id: id, ...(text ? { text } : {}), ...(params.bool("show_alert") ? { show_alert: true } : {}), ...(url ? { url } : {}) },
  });
  return true;
}
