import type { Credentials, MessageEdit, OutboundMessage, PlatformMedia, SentMessage, Session, SessionContext, WebhookRequest } from "../../core/connector.js";
import { err, isSwitchboardError, toErrorInfo } from "../../core/errors.js";
import { apiSignal, botApi, classify, type ApiSignal, type BotApiFailure } from "./bot-api.js";
import { readConfig, readCredentials, type TelegramConfig, type TelegramCredentials } from "./config.js";
import { SessionEnd } from "../kit/session-end.js";
import { toDisconnect, type Disconnect } from "./disconnects.js";
import { poll, serverKey, startOffset, type AllowedUpdates } from "./poller.js";
import { RateLimiter, type RateLimitOptions } from "./rate-limit.js";
import { Sender } from "./sender.js";
import { isUpdate, toEvent } from "./updates.js";
import { newWebhookSecret, sleep } from "./util.js";
import { verifySecret, watchWebhook } from "./webhook.js";

/** Tunables of a session (from `telegramConnector` options). */
export interface SessionOptions {
  rateLimit: RateLimitOptions;
  /** Longest a send may wait for pacing and `retry_after` before failing unsent. */
  maxSendWaitMs: number;
  /** Interval of the webhook-mode health check (`getWebhookInfo`). */
  webhookCheckMs: number;
}

/** Upper bound of one Bot API call other than getUpdates, seconds. */
const CALL_TIMEOUT_S = 30;
/** grammY's per-call timeout for sends that upload a file (the gateway bounds them by their size). */
const MEDIA_CALL_TIMEOUT_S = 900;

/**
 * One live Telegram bot session: `getMe`, then long polling or a webhook. Created by
 * `telegramConnector().connect`; reports everything through `ctx.host` and never throws from
 * `connect`. After it reports `disconnected` it is dead.
 */
export class TelegramSession implements Session {
  private readonly config: TelegramConfig;
  private readonly abort = new AbortController();
  private readonly run: Promise<void>;
  /** The session's end: reported once, never after close, held back during a `logOut`. */
  private readonly ending: SessionEnd;
  private token: string | null = null;
  private botId: string | null = null;
  private sender: Sender | null = null;
  private webhookSecret: string | null = null;

  constructor(
    private readonly ctx: SessionContext,
    private readonly opts: SessionOptions,
  ) {
    this.config = readConfig(ctx.config);
    this.ending = new SessionEnd(ctx.host, ctx.logger, "telegram");
    this.run = this.start().catch((e: unknown) => {
      ctx.logger.error({ err: toErrorInfo(e) }, "telegram session failed");
      this.end({ kind: "transient", error: toErrorInfo(e) });
    });
  }

  // ------------------------------------------------------------------ Session

  async close(): Promise<void> {
    if (!this.ending.closed) {
      this.ending.close();
      this.sender = null;
      this.abort.abort();
    }
    await this.run;
  }

  async send(message: OutboundMessage): Promise<SentMessage> {
    return this.liveSender().send(message);
  }

  async edit(e: MessageEdit): Promise<{ timestamp: number }> {
    return this.liveSender().edit(e);
  }

  async delete(target: { threadId: string; messageId: string }): Promise<{ timestamp: number }> {
    return this.liveSender().delete(target);
  }

  async fetchMedia(mediaId: string): Promise<PlatformMedia> {
    return this.liveSender().download(mediaId, this.config, this.ctx.net);
  }

  private liveSender(): Sender {
    const sender = this.sender;
    if (!sender || this.ending.over) throw err("INVALID_STATE", { message: "The bot is not connected." });
    return sender;
  }

  async handleWebhook(request: WebhookRequest): Promise<void> {
    const secret = this.webhookSecret;
    if (secret === null || this.botId === null) {
      throw err("UNAUTHENTICATED", { message: "This Telegram session takes no webhook (polling mode, or not set up yet)." });
    }
    verifySecret(request, secret);
    if (!isUpdate(request.body)) throw err("VALIDATION_FAILED", { message: "The webhook body is not a Telegram Update." });
    const event = toEvent(request.body, this.botId, this.config.includeRaw);
    // No offset in webhook mode: Telegram redelivers until it gets a 2xx, and the event id dedupes.
    if (event) await this.ctx.host.receive({ events: [event] });
  }

  // ------------------------------------------------------------------ used by actions

  /**
   * Runs `fn` (a Bot API `logOut` of this bot) while an auth failure of the session's own calls is
   * expected: the loop then stops quietly, because the core restarts the session with the new config.
   * When `fn` fails, a loop that stopped meanwhile reports what it saw.
   */
  async duringLogout<T>(fn: () => Promise<T>): Promise<T> {
    const r = await this.ending.holdDuring(fn);
    if (r.ok) return r.value; // an end held meanwhile is the logOut's own: the core restarts the session
    if (r.held) this.ending.report(r.held);
    throw r.error;
  }

  /** Whether the core closed this session. */
  private get closed(): boolean {
    return this.ending.closed;
  }

  // ------------------------------------------------------------------ the connection

  private get signal(): ApiSignal {
    return apiSignal(this.abort.signal);
  }

  private async start(): Promise<void> {
    const { ctx, config } = this;
    const stored = readCredentials(ctx.credentials);
    const loginToken = ctx.login?.method === "token" && typeof ctx.login.input.token === "string" ? ctx.login.input.token : null;
    const token = stored?.token ?? loginToken;
    if (!token) {
      return this.end({
        kind: "fatal",
        error: { code: "VALIDATION_FAILED", message: 'A bot token is needed: connect with login {"method": "token", "token": "…"}.' },
      });
    }
    if (config.mode === "webhook" && !ctx.webhookUrl) {
      return this.end({
        kind: "fatal",
        error: { code: "VALIDATION_FAILED", message: "webhook mode needs the gateway's public URL (start the gateway with a public URL)." },
      });
    }
    this.token = token;
    const api = botApi(token, config, ctx.net, CALL_TIMEOUT_S);
    const fromStore = stored !== null;

    const me = await this.call("getMe", () => api.getMe(this.signal), fromStore);
    if (!me) return;
    this.botId = String(me.id);

    let creds: TelegramCredentials = { token };
    if (config.mode === "webhook") {
      const url = ctx.webhookUrl as string;
      creds = { token, webhookSecret: stored?.webhookSecret ?? newWebhookSecret() };
      // Stored before Telegram knows the secret, so a request it pushes can always be verified.
      if ((!fromStore || stored.webhookSecret !== creds.webhookSecret) && !(await this.save(creds))) return;
      this.webhookSecret = creds.webhookSecret as string;
      const allowed = config.allowedUpdates as AllowedUpdates | undefined;
      // A restart finds the webhook it set (same URL, same stored secret): setting it again would
      // only meet Telegram's one-setWebhook-per-second limit.
      const info = stored?.webhookSecret ? await this.call("getWebhookInfo", () => api.getWebhookInfo(this.signal), true) : null;
      if (info === undefined) return;
      const current = info !== null && info.url === url && sameUpdates(info.allowed_updates, allowed);
      if (!current) {
        const ok = await this.call(
          "setWebhook",
          () => api.setWebhook(url, { secret_token: creds.webhookSecret, ...(allowed ? { allowed_updates: allowed } : {}) }, this.signal),
          true,
        );
        if (!ok) return;
      }
    } else {
      if (stored?.webhookSecret) {
        // This gateway set a webhook in webhook mode before; polling needs it gone.
        const ok = await this.call("deleteWebhook", () => api.deleteWebhook({}, this.signal), true);
        if (!ok) return;
      }
      if ((!fromStore || stored.webhookSecret !== undefined) && !(await this.save(creds))) return;
    }
    if (this.closed) return;

    this.sender = new Sender(api, new RateLimiter(this.opts.rateLimit), this.opts.maxSendWaitMs, token, botApi(token, config, ctx.net, MEDIA_CALL_TIMEOUT_S));
    ctx.host.connected({ self: { id: this.botId, ...(me.username ? { name: me.username } : {}) } });
    ctx.logger.info({ botId: this.botId, mode: config.mode }, "telegram bot connected");

    if (config.mode === "webhook") {
      const end = await watchWebhook({ api, url: ctx.webhookUrl as string, intervalMs: this.opts.webhookCheckMs, signal: this.abort.signal, token });
      if (end.type === "failed") this.fail("getWebhookInfo", end.failure, true);
      else if (end.type === "replaced") {
        this.end({ kind: "conflict", error: { code: "CONFLICT", message: "Another client replaced this bot's webhook." } });
      }
      return;
    }

    const server = serverKey(config);
    const pollApi = botApi(token, config, ctx.net, config.pollTimeoutS + 15);
    const end = await poll({
      api: pollApi,
      host: ctx.host,
      config,
      botId: this.botId,
      offset: startOffset(ctx.state, server),
      server,
      signal: this.abort.signal,
      token,
      logger: ctx.logger,
    });
    if (end.type === "failed") this.fail("getUpdates", end.failure, true);
    else if (end.type === "store_failed") this.end({ kind: "transient", error: toErrorInfo(end.error) });
  }

  /**
   * One Bot API call of the connect sequence; a 429 is waited out. Returns undefined (after reporting
   * the disconnect) when it failed or the session closed meanwhile.
   */
  private async call<T>(method: string, fn: () => Promise<T>, stored: boolean): Promise<T | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      try {
        return await fn();
      } catch (e) {
        if (this.closed) return undefined;
        const f = classify(e, this.token ?? undefined);
        if (f.kind === "rate_limited") {
          await sleep(f.retryAfterMs, this.abort.signal);
          continue;
        }
        this.fail(method, f, stored);
        return undefined;
      }
    }
  }

  /** Saves credentials; false (after reporting, unless closed) when that failed. */
  private async save(creds: TelegramCredentials): Promise<boolean> {
    try {
      await this.ctx.host.saveCredentials(creds as unknown as Credentials);
      return true;
    } catch (e) {
      if (!this.closed && !isSwitchboardError(e, "INVALID_STATE")) this.end({ kind: "transient", error: toErrorInfo(e) });
      return false;
    }
  }

  private fail(method: string, f: BotApiFailure, stored: boolean): void {
    this.end(toDisconnect(method, f, stored));
  }

  /** Ends the session (see {@link SessionEnd}: once, not after close, held back while a logOut runs). */
  private end(d: Disconnect): void {
    this.sender = null;
    this.ending.end(d);
  }
}

/** Whether the webhook's `allowed_updates` already are the configured ones (absent config: keep whatever is set). */
function sameUpdates(current: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (wanted === undefined) return true;
  const a = new Set(current ?? []);
  return a.size === new Set(wanted).size && wanted.every((u) => a.has(u));
}
