import type { Disconnect } from "../kit/session-end.js";
import type { BotApiFailure } from "./bot-api.js";

export type { Disconnect } from "../kit/session-end.js";

/**
 * Classifies the failure of a Bot API call that a session cannot continue after (DESIGN §2, Telegram
 * row). Messages are built here from the Bot API's description only: never from grammY's error
 * text or cause, which may quote the request URL and with it the token.
 *
 * @param stored whether the token came from stored credentials: then a 401 means it was revoked in
 *   BotFather (`logged_out`: the core wipes it); a token just given at login is simply rejected (`fatal`).
 */
export function toDisconnect(method: string, f: BotApiFailure, stored: boolean): Disconnect {
  switch (f.kind) {
    case "unauthorized":
      return stored
        ? { kind: "logged_out", error: { code: "UNAUTHORIZED", message: "The bot token was revoked (the Bot API answered 401 Unauthorized)." } }
        : { kind: "fatal", error: { code: "UNAUTHORIZED", message: "The bot token was rejected" } };
    case "not_found":
      return {
        kind: "fatal",
        error: { code: "NOT_FOUND", message: `The Bot API answered 404 Not Found to ${method}: check apiRoot and the token.` },
      };
    case "conflict":
      return {
        kind: "conflict",
        error: {
          code: "CONFLICT",
          message: f.description.includes("webhook")
            ? `A webhook is set for this bot, so it cannot poll (${f.description}).`
            : `Another client is receiving this bot's updates (${f.description}).`,
        },
      };
    case "bad_request":
    case "forbidden":
      return { kind: "fatal", error: { code: "PLATFORM_REFUSED", message: `The Bot API refused ${method}: ${f.status} ${f.description}` } };
    case "rate_limited":
      return {
        kind: "transient",
        error: { code: "PLATFORM_RATE_LIMITED", message: `The Bot API asked to slow down (${method}: retry after ${f.retryAfterMs / 1000}s).` },
      };
    case "server":
      return { kind: "transient", error: { code: "PLATFORM_UNREACHABLE", message: `The Bot API failed ${method}: ${f.status} ${f.description}` } };
    case "network":
      return { kind: "transient", error: { code: "PLATFORM_UNREACHABLE", message: `The Telegram Bot API could not be reached (${method}).` } };
  }
}
