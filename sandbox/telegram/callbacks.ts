/**
 * Callback queries: a user pressed an inline keyboard button of a bot's message (control API,
 * user-actions.ts) and the bot answers with answerCallbackQuery (methods/callbacks.ts).
 *
 * Rules: a query id is a decimal string (the server's int64); it can be answered once, within
 * {@link CALLBACK_ANSWER_WINDOW_MS} on the sandbox clock; otherwise, or for an unknown id, the answer
 * is "query is too old and response timeout expired or query ID is invalid" (the text the Bot API
 * gives for an expired query; the real window is not documented: about 15 s is what clients observe,
 * the sandbox's value is ours). The last {@link MAX_KEPT_QUERIES} queries are kept.
 */
import { randomInt } from "node:crypto";

export const CALLBACK_ANSWER_WINDOW_MS = 15_000;
export const MAX_KEPT_QUERIES = 1_000;

export interface CallbackQueryRecord {
  id: string;
  botId: number;
  /** Clock ms when the user pressed the button. */
  at: number;
  answered: boolean;
}

export class CallbackQueries {
  private readonly byId = new Map<string, CallbackQueryRecord>();

  /** A new query of bot `botId` made at clock `now`. */
  create(botId: number, now: number): CallbackQueryRecord {
    let id: string;
    do id = String(randomInt(1, 2 ** 47)) + String(randomInt(1000, 9999));
    while (this.byId.has(id));
    const q: CallbackQueryRecord = { id, botId, at: now, answered: false };
    this.byId.set(id, q);
    if (this.byId.size > MAX_KEPT_QUERIES) this.byId.delete(this.byId.keys().next().value as string);
    return q;
  }

  /** Marks query `id` of bot `botId` answered; false when it is unknown, of another bot, answered or too old. */
  answer(id: string, botId: number, now: number): boolean {
    const q = this.byId.get(id);
    if (!q || q.botId !== botId || q.answered || now - q.at > CALLBACK_ANSWER_WINDOW_MS) return false;
    q.answered = true;
    return true;
  }
}
