import type { Api } from "grammy";
import type { MessageEdit, OutboundMessage, OutboundNet, PlatformMedia, SentMessage } from "../../core/connector.js";
import type { TelegramConfig } from "./config.js";
import { downloadFile } from "./download.js";
import { PlatformUnreachableError, err, isSwitchboardError } from "../../core/errors.js";
import { type BotApiFailure, classify } from "./bot-api.js";
import { messageIdOf, sendContent } from "./messages.js";
import type { RateLimiter } from "./rate-limit.js";
import { sleep } from "./util.js";

/**
 * Sends messages for one session (any content ./messages.ts maps), paced by the bot's
 * {@link RateLimiter}; edits and deletes them.
 *
 * A send never waits longer than `maxWaitMs` in total (pacing plus Telegram's `retry_after`): past
 * that it fails with `PLATFORM_RATE_LIMITED` and `retryAfterMs` *without* sending, so a message is
 * never delivered after the caller was told the send failed (the gateway bounds each send in time).
 */
export class Sender {
  /** `mediaApi`: the same bot with a timeout long enough for file uploads. */
  constructor(
    private readonly api: Api,
    private readonly limiter: RateLimiter,
    private readonly maxWaitMs: number,
    private readonly token: string,
    private readonly mediaApi: Api = api,
  ) {}

  /** Edits a sent message's text or caption (not paced). */
  edit(e: MessageEdit): Promise<{ timestamp: number }> {
    return editMessage(this.api, this.token, e);
  }

  /** A received file's bytes (./download.ts). */
  download(fileId: string, config: Pick<TelegramConfig, "apiRoot" | "environment">, net: OutboundNet): Promise<PlatformMedia> {
    return downloadFile(this.api, this.token, config, net, fileId);
  }

  /** Deletes a message for everyone (not paced). */
  delete(target: { threadId: string; messageId: string }): Promise<{ timestamp: number }> {
    return deleteMessage(this.api, this.token, target);
  }

  async send(message: OutboundMessage): Promise<SentMessage> {
    const chat = message.threadId;
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const budget = deadline - Date.now();
      const wait = this.limiter.reserve(chat, budget);
      if (wait === null) throw rateLimited(Math.max(1, this.limiter.peek(chat)), true);
      if (wait > 0) await sleep(wait);
      try {
        const m = await sendContent("media" in message.content ? this.mediaApi : this.api, message, Date.now);
        return { messageId: String(m.message_id), threadId: String(m.chat.id), timestamp: m.date * 1000 };
      } catch (e) {
        if (isSwitchboardError(e)) throw e;
        const f = classify(e, this.token);
        switch (f.kind) {
          case "rate_limited":
            // A 429 means the message was not sent: wait and try again, within the budget.
            this.limiter.backOff(chat, f.retryAfterMs);
            if (Date.now() + f.retryAfterMs > deadline) throw rateLimited(f.retryAfterMs, false);
            continue;
          case "bad_request":
            throw err("VALIDATION_FAILED", { message: f.description, details: { status: 400 } });
          case "forbidden":
            throw err("INVALID_STATE", { message: f.description, details: { status: 403 } });
          case "unauthorized":
          case "not_found":
            throw err("INVALID_STATE", { message: "The bot token was rejected.", details: { status: f.status } });
          case "conflict":
            throw err("INVALID_STATE", { message: f.description, details: { status: 409 } });
          case "server":
            // The server may have sent it before failing: never resend blindly.
            throw new PlatformUnreachableError(`The Bot API failed sendMessage (${f.status}); the message may or may not have been sent.`, { cause: e });
          case "network":
            // `cause` is kept for the log's `causes` (class names and codes only, see causeChain).
            throw new PlatformUnreachableError("The Telegram Bot API could not be reached; the message may or may not have been sent.", { cause: e });
        }
      }
    }
  }
}

/**
 * Edits the text of message `messageId` (a media message: its caption, when Telegram answers that
 * there is no text to edit) and answers when. Not paced.
 * @throws {SwitchboardError} `VALIDATION_FAILED`, `NOT_FOUND` (Telegram does not know the message),
 *   `INVALID_STATE`, `PLATFORM_RATE_LIMITED`, `PLATFORM_UNREACHABLE`.
 */
export async function editMessage(api: Api, token: string, edit: MessageEdit): Promise<{ timestamp: number }> {
  const id = messageIdOf(edit.messageId, "messageId");
  try {
    const m = await api.editMessageText(edit.threadId, id, edit.text).catch(async (e: unknown) => {
      const f = classify(e, token);
      if (f.kind === "bad_request" && f.description.includes("there is no text in the message to edit")) return api.editMessageCaption(edit.threadId, id, { caption: edit.text });
      throw e;
    });
    return { timestamp: typeof m === "object" && m.edit_date ? m.edit_date * 1000 : Date.now() };
  } catch (e) {
    throw changeFailure(e, token, "editMessageText");
  }
}

/**
 * Deletes message `messageId` for everyone (Bot API deleteMessage). Not paced.
 * @throws {SwitchboardError} as {@link editMessage}.
 */
export async function deleteMessage(api: Api, token: string, target: { threadId: string; messageId: string }): Promise<{ timestamp: number }> {
  const id = messageIdOf(target.messageId, "messageId");
  try {
    await api.deleteMessage(target.threadId, id);
    return { timestamp: Date.now() };
  } catch (e) {
    throw changeFailure(e, token, "deleteMessage");
  }
}

/** The error of a failed edit or delete, from the Bot API's answer (its own secret-free text). */
function changeFailure(e: unknown, token: string, method: string): Error {
  if (isSwitchboardError(e)) return e;
  const f: BotApiFailure = classify(e, token);
  switch (f.kind) {
    case "bad_request":
      if (/not found/.test(f.description)) return err("NOT_FOUND", { message: f.description, details: { status: 400 } });
      return err("VALIDATION_FAILED", { message: f.description, details: { status: 400 } });
    case "rate_limited":
      return err("PLATFORM_RATE_LIMITED", { message: "Telegram asked to slow down; nothing was changed.", retryAfterMs: f.retryAfterMs });
    case "forbidden":
    case "conflict":
      return err("INVALID_STATE", { message: f.description, details: { status: f.status } });
    case "unauthorized":
    case "not_found":
      return err("INVALID_STATE", { message: "The bot token was rejected.", details: { status: f.status } });
    case "server":
      return new PlatformUnreachableError(`The Bot API failed ${method} (${f.status}); the change may or may not have been made.`, { cause: e });
    case "network":
      return new PlatformUnreachableError(`The Telegram Bot API could not be reached for ${method}; the change may or may not have been made.`, { cause: e });
  }
}

function rateLimited(retryAfterMs: number, local: boolean): Error {
  return err("PLATFORM_RATE_LIMITED", {
    message: local
      ? "Too many messages for this chat or bot right now (Telegram allows about 1 per second per chat and 30 per second per bot)."
      : "Telegram asked to slow down; the message was not sent.",
    retryAfterMs: Math.ceil(retryAfterMs),
  });
}
