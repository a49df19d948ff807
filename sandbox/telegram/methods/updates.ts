/** getUpdates, setWebhook, deleteWebhook, getWebhookInfo (tdlib/telegram-bot-api Client.cpp). */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { apiError, ApiError, tooManyRequests } from "../errors.js";
import { DEFAULT_ALLOWED_UPDATES, UPDATE_TYPES, type BotRecord, type UpdateType, updateJson } from "../state.js";
import { Answer, type MethodContext } from "./context.js";
import type { Params } from "../params.js";

const LONG_POLL_MAX_TIMEOUT = 50;
const DEFAULT_MAX_CONNECTIONS = 40;

/**
 * `allowed_updates` as Client::get_allowed_update_types reads it: a JSON array of type names
 * (case-insensitive, unknown names ignored); an array naming nothing known — `[]` included —
 * means the default set; anything that is not an array of strings changes nothing (null).
 */
export function parseAllowedUpdates(raw: string): ReadonlySet<UpdateType> | null {
  if (raw === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return null;
  const names = new Set((value as string[]).map((v) => v.toLowerCase()));
  const chosen = new Set(UPDATE_TYPES.filter((t) => names.has(t)));
  return chosen.size === 0 ? DEFAULT_ALLOWED_UPDATES : chosen;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Stores a new `allowed_updates` (persisted for the bot, like the real server); true if it changed. */
function updateAllowed(bot: BotRecord, params: Params): boolean {
  const next = parseAllowedUpdates(params.arg("allowed_updates"));
  if (next === null || sameSet(next, bot.allowedUpdates)) return false;
  bot.allowedUpdates = next;
  return true;
}

/**
 * getUpdates: 409 while a webhook is set; `limit` clamped to 1–100 (default 100), `timeout` to
 * 0–50 s (default 0); `allowed_updates` stored; then the queue rules of TelegramEngine.getUpdates.
 */
export async function getUpdates({ engine, bot, params, onAbort }: MethodContext): Promise<unknown> {
  if (bot.webhook) throw apiError("conflictWebhookActive");
  const offset = params.int("offset", 0);
  const limit = params.int("limit", 100, 1, 100);
  const timeout = params.int("timeout", 0, 0, LONG_POLL_MAX_TIMEOUT);
  updateAllowed(bot, params);
  const updates = await engine.getUpdates(bot, offset, limit, timeout, onAbort);
  return updates.map(updateJson);
}

export function setWebhook(ctx: MethodContext): Promise<unknown> {
  return setOrDeleteWebhook(ctx, ctx.params.arg("url"));
}

export function deleteWebhook(ctx: MethodContext): Promise<unknown> {
  return setOrDeleteWebhook(ctx, "");
}

function badWebhook(reason: string): ApiError {
  return new ApiError(400, `Bad Request: bad webhook: ${reason}`);
}

/** Client::process_set_webhook_query + do_set_webhook: an empty URL deletes the webhook. */
async function setOrDeleteWebhook({ engine, bot, params }: MethodContext, newUrl: string): Promise<unknown> {
  const now = engine.now();
  if (newUrl !== "") {
    if (now < bot.nextSetWebhookAt) throw tooManyRequests(1);
    bot.nextSetWebhookAt = now + 1000;
  }
  const local = engine.settings.profile === "local";
  const certificate = params.file("certificate") ?? attached(params, "certificate");
  const hasCertificate = newUrl !== "" && certificate !== undefined;
  const maxConnections = newUrl === "" ? 0 : params.int("max_connections", DEFAULT_MAX_CONNECTIONS, 1, local ? 100_000 : 100);
  const secretToken = newUrl === "" ? "" : params.arg("secret_token");
  const ipAddress = newUrl === "" ? "" : params.arg("ip_address");
  const dropPending = params.bool("drop_pending_updates");

  const current = bot.webhook;
  const unchanged =
    (current?.url ?? "") === newUrl &&
    !(current?.hasCustomCertificate ?? false) &&
    !hasCertificate &&
    (current?.maxConnections ?? 0) === maxConnections &&
    (current?.secretToken ?? "") === secretToken &&
    (current?.fixedIp ?? "") === ipAddress &&
    !dropPending;
  if (unchanged) {
    updateAllowed(bot, params);
    return new Answer(true, newUrl === "" ? "Webhook is already deleted" : "Webhook is already set");
  }

  if (newUrl !== "") engine.finishPoll(bot, apiError("conflictSetWebhook"));
  const wasSet = current !== null;
  if (wasSet) engine.removeWebhook(bot);
  if (dropPending) bot.queue.clear();
  if (newUrl === "") return new Answer(true, wasSet ? "Webhook was deleted" : "Webhook is already deleted");

  const target = parseWebhookUrl(newUrl);
  if (!target) throw apiError("invalidWebhookUrl");
  if (secretToken.length > 256) throw apiError("secretTooLong");
  if (!/^[A-Za-z0-9_-]*$/.test(secretToken)) throw apiError("secretBadChars");
  if (hasCertificate && certificate && certificate.data.length > 10 * 1024) {
    throw new ApiError(400, `Bad Request: certificate size is too big (${certificate.data.length} bytes)`);
  }
  const strict = engine.settings.profile === "cloud" && engine.settings.strictWebhookUrls;
  if (strict) {
    if (target.protocol !== "https:") throw badWebhook("An HTTPS URL must be provided for webhook");
    const port = target.port === "" ? 443 : Number(target.port);
    if (![443, 80, 88, 8443].includes(port)) throw badWebhook("Webhook can be set up only on ports 80, 88, 443 or 8443");
  }
  const resolved = ipAddress !== "" ? ipAddress : await resolveHost(target.hostname);
  if (resolved === null) throw badWebhook("Failed to resolve host: Name or service not known");
  if (strict) {
    if (isIP(resolved) !== 4) throw badWebhook("IPv6-only addresses are not allowed");
    if (isReservedIPv4(resolved)) throw badWebhook(`IP address ${resolved} is reserved`);
  }

  bot.webhook = {
    url: newUrl,
    secretToken,
    maxConnections,
    ipAddress: resolved,
    fixedIp: ipAddress,
    hasCustomCertificate: hasCertificate,
    setAt: now,
  };
  updateAllowed(bot, params);
  engine.delivery(bot).kick();
  return new Answer(true, "Webhook was set");
}

function attached(params: Params, field: string): ReturnType<Params["file"]> {
  const value = params.arg(field);
  return value.startsWith("attach://") ? params.file(value.slice("attach://".length)) : undefined;
}

/** td::parse_url with HTTPS as the default protocol: http and https only, a host required. */
export function parseWebhookUrl(raw: string): URL | null {
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") return null;
  return url;
}

async function resolveHost(hostname: string): Promise<string | null> {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (isIP(bare) !== 0) return bare;
  try {
    return (await lookup(bare)).address;
  } catch {
    return null;
  }
}

function isReservedIPv4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split(".").map(Number);
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

/** getWebhookInfo (Client::JsonWebhookInfo): optional fields only when they have a value. */
export function getWebhookInfo({ engine, bot }: MethodContext): unknown {
  bot.queue.purgeExpired(engine.now());
  const wh = bot.webhook;
  const info: Record<string, unknown> = {
    url: wh?.url ?? "",
    has_custom_certificate: wh?.hasCustomCertificate ?? false,
    pending_update_count: bot.queue.size,
  };
  if (wh?.lastErrorDate !== undefined) {
    info.last_error_date = wh.lastErrorDate;
    info.last_error_message = wh.lastErrorMessage ?? "";
  }
  if (wh && wh.maxConnections > 0) info.max_connections = wh.maxConnections;
  if (wh) info.ip_address = wh.ipAddress === "" ? "<unknown>" : wh.ipAddress;
  if (!sameSet(bot.allowedUpdates, DEFAULT_ALLOWED_UPDATES)) info.allowed_updates = UPDATE_TYPES.filter((t) => bot.allowedUpdates.has(t));
  return info;
}
