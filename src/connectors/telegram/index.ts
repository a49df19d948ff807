import type { Connector } from "../../core/connector.js";
import { err } from "../../core/errors.js";
import { ACTIONS, runAction } from "./actions.js";
import { CLOUD_API_ROOT, TelegramConfigSchema, TokenLoginSchema } from "./config.js";
import { logoutRemote } from "./logout.js";
import { TELEGRAM_MESSAGES } from "./messages.js";
import type { RateLimitOptions } from "./rate-limit.js";
import { TelegramSession } from "./session.js";

export { CLOUD_API_ROOT, TelegramConfigSchema, TokenLoginSchema, type TelegramConfig, type TelegramCredentials } from "./config.js";
export { CLOUD_LOCKOUT_MS } from "./actions.js";
export { TelegramSession } from "./session.js";
export type { RateLimitOptions } from "./rate-limit.js";

export interface TelegramConnectorOptions {
  /** Clock for the cloud lockout after `log-out-cloud` (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** What counts as the cloud Bot API for `log-out-cloud` / `use-cloud`. Default `https://api.telegram.org`. */
  cloudApiRoot?: string;
  /** Outbound pacing per bot. Default: 1 message per second per chat, 30 per second per bot. */
  rateLimit?: RateLimitOptions;
  /** Longest a send waits for pacing and Telegram's `retry_after` before failing unsent. Default 5 000 ms. */
  maxSendWaitMs?: number;
  /** Webhook mode: how often `getWebhookInfo` checks the token and the webhook. Default 60 000 ms. */
  webhookCheckMs?: number;
}

/**
 * The Telegram bot connector (Bot API through grammY's `Api`; the polling loop and the webhook
 * intake are ours). See docs/telegram.md.
 */
export function telegramConnector(opts: TelegramConnectorOptions = {}): Connector {
  const now = opts.now ?? Date.now;
  const cloudApiRoot = opts.cloudApiRoot ?? CLOUD_API_ROOT;
  const sessionOptions = {
    rateLimit: opts.rateLimit ?? {},
    maxSendWaitMs: opts.maxSendWaitMs ?? 5_000,
    webhookCheckMs: opts.webhookCheckMs ?? 60_000,
  };
  return {
    platform: "telegram",
    displayName: "Telegram bot",
    configSchema: TelegramConfigSchema,
    capabilities: {
      login: [{ method: "token", inputSchema: TokenLoginSchema }],
      remoteLogout: false,
      send: true,
      messages: TELEGRAM_MESSAGES,
    },
    actions: ACTIONS,
    connect: (ctx) => new TelegramSession(ctx, sessionOptions),
    logoutRemote,
    async runAction(name, input, ctx) {
      if (!ACTIONS.some((a) => a.name === name)) throw err("ACTION_UNKNOWN", { details: { action: name } });
      return runAction(name, input, ctx, { now, cloudApiRoot });
    },
  };
}
