import type { Api } from "grammy";
import type { OutboundMessage, SentMessage } from "../../core/connector.js";
import { PlatformUnreachableError, err } from "../../core/errors.js";
import { classify } from "./bot-api.js";
import type { RateLimiter } from "./rate-limit.js";
import { sleep } from "./util.js";

/**
 * Sends text messages for one session, paced by the bot's {@link RateLimiter}.
 *
 * A send never waits longer than `maxWaitMs` in total (pacing plus Telegram's `retry_after`): past
 * that it fails with `PLATFORM_RATE_LIMITED` and `retryAfterMs` *without* sending, so a message is
 * never delivered after the caller was told the send failed (the gateway bounds each send in time).
 */
export class Sender {
  constructor(
    private readonly api: Api,
    private readonly limiter: RateLimiter,
    private readonly maxWaitMs: number,
    private readonly token: string,
  ) {}

  async send(message: OutboundMessage): Promise<SentMessage> {
    const chat = message.threadId;
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const budget = deadline - Date.now();
      const wait = this.limiter.reserve(chat, budget);
      if (wait === null) throw rateLimited(Math.max(1, this.limiter.peek(chat)), true);
      if (wait > 0) await sleep(wait);
      try {
        const m = await this.api.sendMessage(chat, message.body);
        return { messageId: String(m.message_id), threadId: String(m.chat.id), timestamp: m.date * 1000 };
      } catch (e) {
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

function rateLimited(retryAfterMs: number, local: boolean): Error {
  return err("PLATFORM_RATE_LIMITED", {
    message: local
      ? "Too many messages for this chat or bot right now (Telegram allows about 1 per second per chat and 30 per second per bot)."
      : "Telegram asked to slow down; the message was not sent.",
    retryAfterMs: Math.ceil(retryAfterMs),
  });
}
