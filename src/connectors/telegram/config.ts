import { Type, type Static } from "@sinclair/typebox";
import { UrlString } from "../../core/url-field.js";
import { EXPECTED_KEYWORD } from "../../core/validation.js";

/** The cloud Bot API server. */
export const CLOUD_API_ROOT = "https://api.telegram.org";

/**
 * The instance `config` of a Telegram bot (validated on create and on every action patch). Holds no
 * secret: the bot token lives in the credentials.
 */
export const TelegramConfigSchema = Type.Object(
  {
    apiRoot: UrlString({
      protocols: ["http", "https"],
      credentials: true,
      default: CLOUD_API_ROOT,
      description: "Bot API server root: the cloud one, or a local telegram-bot-api server (the bot token is sent there).",
    }),
    environment: Type.Union([Type.Literal("production"), Type.Literal("test")], {
      default: "production",
      description: "`test` calls the test environment (`/bot<token>/test/<method>`).",
    }),
    mode: Type.Union([Type.Literal("polling"), Type.Literal("webhook")], {
      default: "polling",
      description: "`polling`: long polling with getUpdates. `webhook`: Telegram pushes to the gateway's public URL.",
    }),
    pollTimeoutS: Type.Integer({ minimum: 0, maximum: 50, default: 25, description: "getUpdates long-poll timeout, seconds." }),
    allowedUpdates: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 32,
        description: "Update types to receive (Bot API `allowed_updates`); absent: the server's current setting.",
      }),
    ),
    includeRaw: Type.Boolean({ default: false, description: "Put the raw Update in `message.received` as `raw`." }),
    cloudLockedUntil: Type.Union([Type.Number(), Type.Null()], {
      default: null,
      description: "Epoch ms until which the cloud Bot API refuses this bot (written by `log-out-cloud`).",
    }),
  },
  { additionalProperties: false },
);

export type TelegramConfig = Static<typeof TelegramConfigSchema>;

/**
 * The config with defaults filled in. The core validates (and defaults) the config before a
 * connector sees it; this only guards against a config stored by an older release.
 */
export function readConfig(raw: Record<string, unknown>): TelegramConfig {
  const c = raw as Partial<TelegramConfig>;
  return {
    apiRoot: trimRoot(typeof c.apiRoot === "string" ? c.apiRoot : CLOUD_API_ROOT),
    environment: c.environment === "test" ? "test" : "production",
    mode: c.mode === "webhook" ? "webhook" : "polling",
    pollTimeoutS: typeof c.pollTimeoutS === "number" ? c.pollTimeoutS : 25,
    ...(Array.isArray(c.allowedUpdates) ? { allowedUpdates: c.allowedUpdates } : {}),
    includeRaw: c.includeRaw === true,
    cloudLockedUntil: typeof c.cloudLockedUntil === "number" ? c.cloudLockedUntil : null,
  };
}

/** An API root without trailing slashes, so roots compare and join predictably. */
export function trimRoot(root: string): string {
  return root.replace(/\/+$/, "");
}

/** The login input of method `token`. */
export const TokenLoginSchema = Type.Object(
  {
    token: Type.String({
      pattern: "^\\d+:[A-Za-z0-9_-]{30,}$",
      maxLength: 128,
      description: "The bot token from @BotFather.",
      [EXPECTED_KEYWORD]: "a bot token as @BotFather gives it: the bot's id, a colon, then 30 or more letters, digits, '_' or '-' (123456789:AAE…)",
    }),
  },
  { additionalProperties: false },
);

/** What this connector stores as credentials (encrypted by the vault). */
export interface TelegramCredentials {
  token: string;
  /** The `secret_token` of the webhook this gateway set (webhook mode). */
  webhookSecret?: string;
}

/** The credentials, or null when they do not hold a token. */
export function readCredentials(raw: Record<string, unknown> | null): TelegramCredentials | null {
  if (!raw || typeof raw.token !== "string" || raw.token === "") return null;
  return typeof raw.webhookSecret === "string" ? { token: raw.token, webhookSecret: raw.webhookSecret } : { token: raw.token };
}
