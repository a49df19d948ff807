/**
 * Webhook delivery for one bot, after tdlib/telegram-bot-api `WebhookActor`: each queued update is
 * POSTed as JSON to the webhook URL (with `X-Telegram-Bot-Api-Secret-Token` when a secret is set),
 * one at a time and in order. A 2xx answer confirms the update; the answer's body may carry a method
 * call, which is executed (a "webhook reply"). Anything else is recorded as the webhook's last error
 * ("Wrong response from the webhook: 500 Internal Server Error", "Connection refused", "Read timeout
 * expired") and the update is retried: at once after the first failure, then after 2, 4, 8 … seconds
 * up to 60 (the real server picks 60–120), or after the receiver's `Retry-After` (at most 3600); an
 * update whose next attempt would fall after its 24-hour expiry is dropped. All delays run on the
 * sandbox clock.
 */
import type { TelegramEngine } from "./engine.js";
import { type BotRecord, type QueuedUpdate, updateJson } from "./state.js";
import type { TimerId } from "../kit/clock.js";
import { type DeliveryAttempt, type DeliveryOutcome, deliverOnce, nextRetryDelayS } from "../kit/webhooks.js";
import { dispatchAs } from "./methods/index.js";
import { Params } from "./params.js";

const MAX_RESEND_DELAY_S = 60;
const MAX_RETRY_AFTER_S = 3600;
const MAX_REPLY_BYTES = 1 << 20;

interface RetryState {
  delay: number;
  failCount: number;
  wakeAt: number;
}

export class WebhookDelivery {
  private inFlight: { updateId: number; attempt: DeliveryAttempt } | null = null;
  private wakeTimer: { id: TimerId; at: number } | null = null;
  private readonly retries = new Map<number, RetryState>();
  private generation = 0;
  private scheduled = false;

  constructor(
    private readonly engine: TelegramEngine,
    private readonly bot: BotRecord,
  ) {}

  /** Starts the next delivery if one is due and none is in flight (soon, on the next tick). */
  kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  /** Stops delivering: aborts the request in flight (its update stays queued) and forgets the retry timers. */
  stop(): void {
    this.generation++;
    if (this.inFlight) {
      this.inFlight.attempt.abort();
      this.inFlight = null;
    }
    if (this.wakeTimer) this.engine.clock.clearTimer(this.wakeTimer.id);
    this.wakeTimer = null;
    this.retries.clear();
  }

  private step(): void {
    const bot = this.bot;
    if (this.inFlight || !bot.webhook || bot.session !== "active" || this.engine.isStopped) return;
    const now = this.engine.now();
    bot.queue.purgeExpired(now);
    const next = bot.queue.peek();
    if (!next) return;
    const retry = this.retries.get(next.update_id);
    if (retry && retry.wakeAt > now) {
      this.wakeAt(retry.wakeAt);
      return;
    }
    this.send(next);
  }

  private wakeAt(at: number): void {
    if (this.wakeTimer && this.wakeTimer.at <= at) return;
    if (this.wakeTimer) this.engine.clock.clearTimer(this.wakeTimer.id);
    const id = this.engine.clock.setTimer(at - this.engine.now(), () => {
      if (this.wakeTimer?.id === id) this.wakeTimer = null;
      this.step();
    });
    this.wakeTimer = { id, at };
  }

  private send(update: QueuedUpdate): void {
    const webhook = this.bot.webhook;
    if (!webhook) return;
    const generation = this.generation;
    const url = new URL(webhook.url);
    const headers: Record<string, string> = { "content-type": "application/json", "accept-encoding": "gzip, deflate" };
    if (url.username !== "" || url.password !== "") {
      const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.authorization = `Basic ${Buffer.from(userinfo).toString("base64")}`;
      url.username = "";
      url.password = "";
    }
    if (webhook.secretToken !== "") headers["x-telegram-bot-api-secret-token"] = webhook.secretToken;

    const attempt = deliverOnce({
      url,
      headers,
      body: JSON.stringify(updateJson(update)),
      clock: this.engine.clock,
      timeoutMs: this.engine.settings.webhookTimeoutMs,
      maxReplyBytes: MAX_REPLY_BYTES,
    });
    this.inFlight = { updateId: update.update_id, attempt };
    void attempt.outcome.then((o) => {
      if (generation !== this.generation) return;
      this.inFlight = null;
      if (o.ok) this.succeeded(update, o.body);
      else this.failed(update, describeFailure(o), o.retryAfterS);
      this.kick();
    });
  }

  private succeeded(update: QueuedUpdate, reply: string): void {
    this.retries.delete(update.update_id);
    this.bot.queue.remove(update.update_id);
    this.executeReply(reply);
  }

  private failed(update: QueuedUpdate, error: string, retryAfterHeader: number): void {
    const webhook = this.bot.webhook;
    if (webhook) {
      webhook.lastErrorDate = this.engine.nowSeconds();
      webhook.lastErrorMessage = error;
    }
    const now = this.engine.now();
    const state = this.retries.get(update.update_id) ?? { delay: 1, failCount: 0, wakeAt: now };
    const failures = state.failCount + 1;
    const effective = nextRetryDelayS(failures, state.delay, Math.max(0, retryAfterHeader), { maxS: MAX_RESEND_DELAY_S, maxRetryAfterS: MAX_RETRY_AFTER_S });
    const nextDelay = retryAfterHeader > 0 || failures <= 1 ? state.delay : effective;
    if (now + effective * 1000 > update.expiresAt) {
      this.retries.delete(update.update_id);
      this.bot.queue.remove(update.update_id);
      return;
    }
    this.retries.set(update.update_id, { delay: nextDelay, failCount: state.failCount + 1, wakeAt: now + effective * 1000 });
  }

  /** A method in the webhook's answer is executed as the bot (except getters, setWebhook, deleteWebhook, close, logOut). */
  private executeReply(reply: string): void {
    if (reply.trim() === "") return;
    let body: unknown;
    try {
      body = JSON.parse(reply);
    } catch {
      return;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return;
    const fields = body as Record<string, unknown>;
    const method = typeof fields.method === "string" ? fields.method.toLowerCase() : "";
    if (method === "" || ["deletewebhook", "setwebhook", "close", "logout"].includes(method) || method.startsWith("get")) return;
    const params = new Params(Object.entries(fields).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as const));
    dispatchAs(this.engine, this.bot, method, params).catch(() => {
      // The answer of a webhook reply goes nowhere, errors included.
    });
  }
}

/** The webhook's last_error_message for a failed attempt, worded like the real server's. */
function describeFailure(o: Extract<DeliveryOutcome, { ok: false }>): string {
  if (o.reason === "status") return `Wrong response from the webhook: ${o.status} ${o.statusText ?? ""}`.trimEnd();
  if (o.reason === "timeout") return "Read timeout expired";
  switch (o.code) {
    case "ECONNREFUSED":
      return "Connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "Failed to resolve host: Name or service not known";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "Webhook connection closed";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return "Read timeout expired";
    default:
      return o.message ?? "Webhook connection failed";
  }
}
