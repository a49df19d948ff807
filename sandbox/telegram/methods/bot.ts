/** getMe, logOut, close: the bot itself and its session. */
import { CLOSE_WINDOW_MS } from "../engine.js";
import { tooManyRequests } from "../errors.js";
import { botGetMeJson } from "../objects.js";
import type { MethodContext } from "./context.js";

/** getMe: the bot as a full `User` (with the getMe-only capability fields). */
export function getMe({ bot }: MethodContext): unknown {
  return botGetMeJson(bot);
}

/**
 * logOut: drops the webhook and the queued updates and ends the session. On the "cloud" profile
 * every call of the bot then answers 400 "Logged out" for 10 minutes (Bot API docs: "will not be
 * able to log in back to the cloud Bot API server for 10 minutes"; the wording is
 * Client::get_closing_error's, as reported in tdlib/telegram-bot-api#566). On "local" the bot may
 * call again at once.
 */
export function logOut({ engine, bot }: MethodContext): unknown {
  engine.logOut(bot);
  return true;
}

/**
 * close: during the first 10 minutes after the bot was launched, 429 with the seconds left
 * (Client::on_cmd: `10 * 60 - (now - start_time)`); afterwards true, and the session ends — the
 * next call launches the bot again, except another `close` ("the bot has already been closed").
 */
export function closeMethod({ engine, bot }: MethodContext): unknown {
  const left = Math.floor((bot.launchedAt + CLOSE_WINDOW_MS - engine.now()) / 1000);
  if (left > 0) throw tooManyRequests(left);
  engine.closeSession(bot);
  return true;
}
