import type { RemoteContext } from "../../core/connector.js";
import { PlatformUnreachableError } from "../../core/errors.js";
import { apiSignal, botApi, classify } from "./bot-api.js";
import { readConfig, readCredentials } from "./config.js";
import { sleep } from "./util.js";

/**
 * The remote half of `logout` for a bot. A bot token can be revoked only in BotFather (the Bot API's
 * `logOut` moves a bot to a local server; it revokes nothing), so the answer is always
 * `not_supported`. What this gateway set up at Telegram is undone: when the credentials hold a
 * webhook secret, this gateway set a webhook, and it is deleted.
 *
 * @throws {PlatformUnreachableError} when deleting the webhook cannot be confirmed (network error,
 *   5xx, or `ctx.signal` aborted); the core then keeps the credentials unless forced.
 */
export async function logoutRemote(ctx: RemoteContext): Promise<"not_supported"> {
  const creds = readCredentials(ctx.credentials);
  if (!creds?.webhookSecret) return "not_supported";
  const config = readConfig(ctx.config);
  const api = botApi(creds.token, config, ctx.net);
  for (;;) {
    if (ctx.signal.aborted) throw new PlatformUnreachableError("The Bot API did not confirm deleteWebhook in time.");
    try {
      await api.deleteWebhook({}, apiSignal(ctx.signal));
      ctx.logger.info({}, "telegram webhook deleted");
      return "not_supported";
    } catch (e) {
      const f = classify(e, creds.token);
      switch (f.kind) {
        case "unauthorized":
        case "not_found":
          return "not_supported"; // the token is dead: no webhook will be delivered for it
        case "rate_limited":
          await sleep(f.retryAfterMs, ctx.signal);
          continue;
        case "network":
          throw new PlatformUnreachableError(
            ctx.signal.aborted ? "The Bot API did not confirm deleteWebhook in time." : "The Telegram Bot API could not be reached (deleteWebhook).",
            { cause: e },
          );
        default:
          throw new PlatformUnreachableError(`The Bot API refused deleteWebhook (${f.status} ${f.description}).`, { cause: e });
      }
    }
  }
}
