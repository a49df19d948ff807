/**
 * The sandbox's shared runtime: settings, the two worlds, the session rules that decide whether a
 * request's bot may act (logOut lockout, `close`, revoked tokens), update queueing with the
 * `getUpdates` long poll, and the webhook deliveries. The API methods (methods/) and the control
 * API (control.ts) both act through it.
 */
import { EventEmitter } from "node:events";
import type { Clock } from "../kit/clock.js";
import { apiError, type ApiError } from "./errors.js";
import { FloodControl, type FloodSettings } from "./flood.js";
import { CallbackQueries } from "./callbacks.js";
import { FileStore } from "./files.js";
import { type BotRecord, MAX_KEPT_MESSAGES, type QueuedUpdate, type SentRecord, type UpdateType, World } from "./state.js";
import { WebhookDelivery } from "./webhook-delivery.js";

export type Profile = "cloud" | "local";

export interface EngineSettings {
  profile: Profile;
  /** Apply api.telegram.org's webhook URL rules (HTTPS, ports 443/80/88/8443, no reserved IPs) on "cloud". */
  strictWebhookUrls: boolean;
  /** How long a webhook request may take before it counts as failed ("Read timeout expired"). */
  webhookTimeoutMs: number;
}

/** Time rules, in clock milliseconds (Bot API docs: logOut, close; getUpdates: 24 hours). */
export const LOGOUT_LOCKOUT_MS = 10 * 60 * 1000;
export const CLOSE_WINDOW_MS = 10 * 60 * 1000;
export const UPDATE_TTL_S = 24 * 3600;
export const DELETE_WINDOW_MS = 48 * 3600 * 1000;

export class TelegramEngine {
  readonly prod = new World(false);
  readonly test = new World(true);
  readonly flood: FloodControl;
  readonly events = new EventEmitter();
  /** Every file bots uploaded and users sent (bounded; ./files.ts). */
  readonly files = new FileStore();
  /** Callback queries users made by pressing inline buttons (./callbacks.ts). */
  readonly callbackQueries = new CallbackQueries();
  private readonly deliveries = new Map<BotRecord, WebhookDelivery>();
  private readonly wakeups = new Set<BotRecord>();
  private stopped = false;

  constructor(
    readonly clock: Clock,
    readonly settings: EngineSettings,
    flood: FloodSettings | false,
  ) {
    this.flood = new FloodControl(clock, flood);
    this.events.setMaxListeners(0);
  }

  world(test: boolean): World {
    return test ? this.test : this.prod;
  }

  worldOf(bot: BotRecord): World {
    return this.test.bots.get(bot.id) === bot ? this.test : this.prod;
  }

  now(): number {
    return this.clock.now();
  }

  /** Unix time in seconds, for `date` fields. */
  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  // ---------------------------------------------------------------- sessions

  /**
   * The bot a request acts as, or the error the real server answers: an unknown or revoked token is
   * 401 (but `close` without a running session is "already closed", ClientManager::send); during the
   * cloud lockout after logOut every method is 400 "Logged out" (Client::get_closing_error). A closed
   * or logged-out bot is launched again by its next request.
   */
  authorize(world: World, token: string, method: string): BotRecord {
    const bot = world.botByToken(token);
    if (!bot) throw apiError(method === "close" ? "alreadyClosed" : "unauthorized");
    if (bot.session === "logged_out") {
      if (this.settings.profile === "cloud" && this.now() < bot.lockedUntil) throw apiError("loggedOut");
      this.relaunch(bot);
    } else if (bot.session === "closed") {
      if (method === "close") throw apiError("alreadyClosed");
      this.relaunch(bot);
    }
    return bot;
  }

  private relaunch(bot: BotRecord): void {
    bot.session = "active";
    bot.launchedAt = this.now();
    if (bot.webhook) this.delivery(bot).kick();
  }

  /** `close`: the session ends, keeping its queue and webhook for the next launch. */
  closeSession(bot: BotRecord): void {
    bot.session = "closed";
    this.finishPoll(bot);
    this.deliveries.get(bot)?.stop();
  }

  /** `logOut`: the webhook and the queued updates are dropped; on "cloud" the bot is refused for 10 minutes. */
  logOut(bot: BotRecord): void {
    bot.queue.clear();
    this.removeWebhook(bot);
    this.finishPoll(bot);
    bot.session = "logged_out";
    bot.lockedUntil = this.now() + LOGOUT_LOCKOUT_MS;
  }

  /**
   * A revoked token stops working at once (a waiting getUpdates gets 401); the webhook, which the
   * server keeps per token, is gone; the queue (kept per bot) stays. A running bot counts as launched
   * again with its new token; a logOut lockout goes on.
   */
  revoke(bot: BotRecord, newToken: string): void {
    bot.revokedTokens.add(bot.token);
    bot.token = newToken;
    this.removeWebhook(bot);
    this.finishPoll(bot, apiError("unauthorized"));
    if (bot.session === "active") bot.launchedAt = this.now();
  }

  // ---------------------------------------------------------------- updates

  /**
   * Queues an update for the bot unless its `allowed_updates` excludes the type (then null, like
   * Client::add_update_impl). It expires 24 hours after `eventDate` (seconds). A waiting long poll
   * or the webhook delivery is woken.
   */
  addUpdate(bot: BotRecord, type: UpdateType, payload: unknown, eventDate: number): number | null {
    if (!bot.allowedUpdates.has(type)) return null;
    const id = bot.queue.push(type, payload, (eventDate + UPDATE_TTL_S) * 1000, this.now());
    if (bot.session === "active") {
      if (bot.webhook) this.delivery(bot).kick();
      else this.wakePoll(bot);
    }
    return id;
  }

  /**
   * getUpdates after its arguments were read (Client::do_get_updates): a negative offset keeps only
   * the last -offset updates; offset ≤ 0 means the head; updates below the offset are forgotten. With
   * nothing to return and a timeout, the call waits — ending an older waiting call with 409 — until
   * an update arrives or the timeout passes on the sandbox clock.
   */
  getUpdates(bot: BotRecord, offset: number, limit: number, timeoutS: number, onAbort: (fn: () => void) => void): QueuedUpdate[] | Promise<QueuedUpdate[]> {
    bot.queue.purgeExpired(this.now());
    if (offset < 0) bot.queue.keepLast(-offset);
    if (offset <= 0) offset = bot.queue.head();
    const ready = this.readUpdates(bot, offset, limit);
    if (timeoutS === 0 || ready.length > 0) return ready;
    this.finishPoll(bot, apiError("conflictOtherGetUpdates"));
    return new Promise<QueuedUpdate[]>((resolve, reject) => {
      const finish = (error?: unknown): void => {
        this.clock.clearTimer(timer);
        if (error !== undefined) reject(error);
        else resolve(this.readUpdates(bot, offset, limit));
      };
      bot.pendingPoll = { offset, limit, finish };
      const timer = this.clock.setTimer(timeoutS * 1000, () => {
        if (bot.pendingPoll?.finish === finish) this.finishPoll(bot);
      });
      onAbort(() => {
        // The client went away: forget the call (its answer would go nowhere).
        if (bot.pendingPoll?.finish === finish) {
          bot.pendingPoll = null;
          this.clock.clearTimer(timer);
          resolve([]);
        }
      });
    });
  }

  private readUpdates(bot: BotRecord, offset: number, limit: number): QueuedUpdate[] {
    bot.queue.purgeExpired(this.now());
    // A queue that did not exist when the call came has a head by now (do_get_updates reads it again).
    if (offset <= 0) offset = bot.queue.head();
    if (offset <= 0) return [];
    return bot.queue.take(offset, limit);
  }

  /** Answers the waiting getUpdates of the bot, if any: with its updates, or with `error`. */
  finishPoll(bot: BotRecord, error?: ApiError): void {
    const poll = bot.pendingPoll;
    if (!poll) return;
    bot.pendingPoll = null;
    poll.finish(error);
  }

  /** Wakes the waiting getUpdates on the next tick, so updates added together come together. */
  private wakePoll(bot: BotRecord): void {
    if (!bot.pendingPoll || this.wakeups.has(bot)) return;
    this.wakeups.add(bot);
    setImmediate(() => {
      this.wakeups.delete(bot);
      this.finishPoll(bot);
    });
  }

  // ---------------------------------------------------------------- webhook

  delivery(bot: BotRecord): WebhookDelivery {
    let d = this.deliveries.get(bot);
    if (!d) {
      d = new WebhookDelivery(this, bot);
      this.deliveries.set(bot, d);
    }
    return d;
  }

  /** Removes the webhook and stops its delivery (updates stay queued unless the caller drops them). */
  removeWebhook(bot: BotRecord): void {
    bot.webhook = null;
    this.deliveries.get(bot)?.stop();
  }

  // ---------------------------------------------------------------- outgoing record

  recordSent(bot: BotRecord, record: Omit<SentRecord, "seq" | "at">): SentRecord {
    const full: SentRecord = { seq: ++bot.sentSeq, at: this.now(), ...record };
    bot.sent.push(full);
    if (bot.sent.length > MAX_KEPT_MESSAGES) bot.sent.splice(0, bot.sent.length - MAX_KEPT_MESSAGES);
    this.events.emit("sent", bot, full);
    return full;
  }

  /** Resolves with the first record of `bot` after `afterSeq` that `match` accepts, or rejects after `timeoutMs` (real time). */
  waitForSent(bot: BotRecord, afterSeq: number, match: (r: SentRecord) => boolean, timeoutMs: number): Promise<SentRecord> {
    const existing = bot.sent.find((r) => r.seq > afterSeq && match(r));
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onSent = (b: BotRecord, r: SentRecord): void => {
        if (b === bot && r.seq > afterSeq && match(r)) {
          cleanup();
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`nothing sent by bot ${bot.id} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off("sent", onSent);
      };
      this.events.on("sent", onSent);
    });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stops every delivery and answers every waiting long poll (with its current updates). */
  shutdown(): void {
    this.stopped = true;
    for (const d of this.deliveries.values()) d.stop();
    for (const world of [this.prod, this.test]) for (const bot of world.bots.values()) this.finishPoll(bot);
  }
}
