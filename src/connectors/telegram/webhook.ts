import type { Api } from "grammy";
import type { WebhookRequest } from "../../core/connector.js";
import { err } from "../../core/errors.js";
import { apiSignal, classify, type BotApiFailure } from "./bot-api.js";
import { sleep, secretMatches } from "./util.js";

/** The header Telegram sends the webhook's `secret_token` in (lower case, as the gateway passes headers). */
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/**
 * Checks that a pushed request carries our `secret_token`, in constant time.
 * @throws `UNAUTHENTICATED` when the header is missing or wrong.
 */
export function verifySecret(request: WebhookRequest, secret: string): void {
  const h = request.headers[SECRET_HEADER];
  const presented = Array.isArray(h) ? h[0] : h;
  if (typeof presented !== "string" || !secretMatches(presented, secret)) {
    throw err("UNAUTHENTICATED", { message: "The Telegram webhook secret token is missing or wrong." });
  }
}

/** How the webhook watch ended. */
export type WatchEnd =
  | { type: "stopped" }
  | { type: "failed"; failure: BotApiFailure }
  /** The bot's webhook no longer points at this gateway: another client set its own. */
  | { type: "replaced" };

/**
 * While a webhook session lives, checks every `intervalMs` with `getWebhookInfo` that the token is
 * still valid (a 401 means it was revoked in BotFather) and that the webhook is still ours. Network
 * failures are only logged by the caller's next check: Telegram keeps pushing meanwhile.
 */
export async function watchWebhook(o: { api: Api; url: string; intervalMs: number; signal: AbortSignal; token: string }): Promise<WatchEnd> {
  while (!o.signal.aborted) {
    await sleep(o.intervalMs, o.signal);
    if (o.signal.aborted) break;
    try {
      const info = await o.api.getWebhookInfo(apiSignal(o.signal));
      if (info.url !== o.url) return { type: "replaced" };
    } catch (e) {
      if (o.signal.aborted) break;
      const failure = classify(e, o.token);
      if (failure.kind === "unauthorized" || failure.kind === "not_found" || failure.kind === "bad_request") return { type: "failed", failure };
      // network, 5xx, 429: try again at the next check.
    }
  }
  return { type: "stopped" };
}
