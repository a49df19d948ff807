/**
 * What the sandbox remembers: bots, users, chats, each bot's update queue and message history.
 * One {@link World} per environment (production `/bot<token>/…` and test `/bot<token>/test/…`),
 * like Telegram's production and test data centres. Pure state with small invariants; the rules
 * that act on it live in engine.ts and methods/.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { Message, ReactionType } from "./objects.js";

/** Update types in the order of tdlib/telegram-bot-api `Client::UpdateType`. */
export const UPDATE_TYPES = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "inline_query",
  "chosen_inline_result",
  "callback_query",
  "custom_event",
  "custom_query",
  "shipping_query",
  "pre_checkout_query",
  "poll",
  "poll_answer",
  "my_chat_member",
  "chat_member",
  "chat_join_request",
  "chat_boost",
  "removed_chat_boost",
  "message_reaction",
  "message_reaction_count",
  "business_connection",
  "business_message",
  "edited_business_message",
  "deleted_business_messages",
  "purchased_paid_media",
  "managed_bot",
  "guest_message",
] as const;
export type UpdateType = (typeof UPDATE_TYPES)[number];

/** By default `chat_member`, `message_reaction` and `message_reaction_count` are not sent (Client.h). */
export const DEFAULT_ALLOWED_UPDATES: ReadonlySet<UpdateType> = new Set(
  UPDATE_TYPES.filter((t) => t !== "chat_member" && t !== "message_reaction" && t !== "message_reaction_count"),
);

export interface QueuedUpdate {
  update_id: number;
  type: UpdateType;
  payload: unknown;
  /** Clock ms after which the update is dropped (24 h after the event, like TQueue's expires_at). */
  expiresAt: number;
}

const TQUEUE_MAX_EVENTS = 1_000_000;
const EVENT_ID_MAX = 2 ** 31 - 1;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * One bot's update queue, after tdlib/td `TQueue`: ids grow by one from a random start; `get`
 * forgets ids below `from`; an id far in the future or past reads from the head instead.
 */
export class UpdateQueue {
  private events: QueuedUpdate[] = [];
  private tailId = 0;
  private lastPushAt = -Infinity;

  push(type: UpdateType, payload: unknown, expiresAt: number, now: number): number {
    // Bot API docs (Update.update_id): after a week without updates the next id is chosen randomly.
    if (this.tailId === 0 || (this.events.length === 0 && now - this.lastPushAt > WEEK_MS) || this.tailId >= EVENT_ID_MAX) {
      this.tailId = randomInt(2 * TQUEUE_MAX_EVENTS + 1, Math.floor(EVENT_ID_MAX / 2));
    }
    const update_id = this.tailId++;
    this.events.push({ update_id, type, payload, expiresAt });
    this.lastPushAt = now;
    return update_id;
  }

  /** First queued id, or the next id to be assigned; 0 if the queue was never used. */
  head(): number {
    return this.events[0]?.update_id ?? this.tailId;
  }

  tail(): number {
    return this.tailId;
  }

  purgeExpired(now: number): void {
    this.events = this.events.filter((e) => e.expiresAt >= now);
  }

  /** Keeps only the last `count` updates (a negative getUpdates offset). */
  keepLast(count: number): void {
    this.events = count <= 0 ? [] : this.events.slice(-count);
  }

  /**
   * Forgets updates below `from` and returns up to `limit` from there. Like TQueue::get, a `from`
   * more than 10 past the tail or 2,000,000 before it is refused, and the server then reads from
   * the head.
   */
  take(from: number, limit: number): QueuedUpdate[] {
    if (from > this.tailId + 10 || from < this.tailId - 2 * TQUEUE_MAX_EVENTS) from = this.head();
    this.events = this.events.filter((e) => e.update_id >= from);
    return this.events.slice(0, limit);
  }

  /** Removes one delivered update (webhook success). */
  remove(updateId: number): void {
    this.events = this.events.filter((e) => e.update_id !== updateId);
  }

  peek(): QueuedUpdate | undefined {
    return this.events[0];
  }

  clear(): void {
    this.events = [];
  }

  get size(): number {
    return this.events.length;
  }

  list(): readonly QueuedUpdate[] {
    return this.events;
  }
}

/** The wire form of a queued update: `{update_id, <type>: payload}`. */
export function updateJson(u: QueuedUpdate): Record<string, unknown> {
  return { update_id: u.update_id, [u.type]: u.payload };
}

export interface UserRecord {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: boolean;
}

export type ChatType = "group" | "supergroup" | "channel";
export type MemberStatus = "creator" | "administrator" | "member" | "left" | "kicked";

export interface ChatRecord {
  id: number;
  type: ChatType;
  title: string;
  username?: string;
  is_forum?: boolean;
  /** Users and bots by id. */
  members: Map<number, MemberStatus>;
  /** Set when a group was upgraded: sends to it answer "group chat was upgraded" with this id. */
  migratedTo?: number;
}

export interface WebhookConfig {
  url: string;
  secretToken: string;
  maxConnections: number;
  /** The address getWebhookInfo reports (resolved, or the fixed one). */
  ipAddress: string;
  /** The `ip_address` given to setWebhook ("" if none). */
  fixedIp: string;
  hasCustomCertificate: boolean;
  setAt: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

export interface StoredMessage {
  message: Message;
  /** Whether the bot itself sent it. */
  outgoing: boolean;
  deleted: boolean;
  /** The reply_markup as the bot sent it (any kind; only inline keyboards appear in `message`). */
  replyMarkup?: unknown;
  /** The bot's own reaction (setMessageReaction); absent or empty: none. */
  botReaction?: ReactionType[];
  /** The users' reactions (control API), by user id. */
  userReactions?: Map<number, ReactionType[]>;
}

/**
 * Messages kept per chat, and sent records kept per bot; the oldest are forgotten first, so that a
 * sandbox that runs for days (in a gateway's sandbox mode) stays bounded. A forgotten message answers
 * like one that was deleted ("message to edit not found", "message to reply not found"): a sandbox
 * rule, not Telegram's (Telegram keeps a chat's history).
 */
export const MAX_KEPT_MESSAGES = 10_000;

export class ChatLog {
  nextMessageId = 1;
  readonly messages = new Map<number, StoredMessage>();

  /** Stores `m` under `id`, forgetting the oldest beyond {@link MAX_KEPT_MESSAGES}. */
  keep(id: number, m: StoredMessage): void {
    this.messages.set(id, m);
    if (this.messages.size > MAX_KEPT_MESSAGES) this.messages.delete(this.messages.keys().next().value as number);
  }
}

/** One entry of what the bot did through the API (the control API's "read what the bot sent"). */
export interface SentRecord {
  seq: number;
  method: string;
  chat_id: number;
  at: number;
  message?: Message;
  action?: string;
  message_id?: number;
  reply_markup?: unknown;
  /** setMessageReaction. */
  reaction?: ReactionType[];
  is_big?: boolean;
  /** answerCallbackQuery: the answer as given. */
  callback?: { callback_query_id: string; text?: string; show_alert?: boolean; url?: string };
}

export type SessionState = "active" | "closed" | "logged_out";

export interface PendingPoll {
  offset: number;
  limit: number;
  finish: (error?: unknown) => void;
}

export class BotRecord {
  token: string;
  readonly revokedTokens = new Set<string>();
  session: SessionState = "active";
  /** When the bot was last launched (created, relaunched after close, or logged in again). */
  launchedAt: number;
  /** Until when a logged-out bot is refused (cloud profile). */
  lockedUntil = 0;
  readonly queue = new UpdateQueue();
  allowedUpdates: ReadonlySet<UpdateType> = DEFAULT_ALLOWED_UPDATES;
  webhook: WebhookConfig | null = null;
  /** Clock ms before which a new setWebhook with a URL answers 429 (one per second). */
  nextSetWebhookAt = 0;
  pendingPoll: PendingPoll | null = null;
  readonly chats = new Map<number, ChatLog>();
  readonly sent: SentRecord[] = [];
  sentSeq = 0;
  /** Users who wrote to the bot in private (the bot may write to them). */
  readonly startedBy = new Set<number>();
  /** Users the bot has seen anywhere. */
  readonly knownUsers = new Set<number>();
  /** Users who blocked the bot. */
  readonly blockedBy = new Set<number>();
  /** setMyCommands: the command list by scope and language (bot-settings.ts `commandsKey`). */
  readonly commands = new Map<string, Array<{ command: string; description: string }>>();
  /** setMyName: the bot's name by language code ("" is the default, also its first_name). */
  readonly names = new Map<string, string>();

  constructor(
    readonly id: number,
    readonly username: string,
    public first_name: string,
    readonly abilities: { can_join_groups: boolean; can_read_all_group_messages: boolean; supports_inline_queries: boolean },
    now: number,
  ) {
    this.token = newToken(id);
    this.launchedAt = now;
  }

  chatLog(chatId: number): ChatLog {
    let log = this.chats.get(chatId);
    if (!log) {
      log = new ChatLog();
      this.chats.set(chatId, log);
    }
    return log;
  }
}

const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `<bot_id>:<35 base64url characters>`, starting "AA" like the tokens BotFather issues. */
export function newToken(botId: number): string {
  const bytes = randomBytes(33);
  let secret = "AA";
  for (const b of bytes) secret += TOKEN_ALPHABET[b & 63];
  return `${botId}:${secret}`;
}

/** Whether `token` has the shape the server accepts before looking it up (ClientManager::send). */
export function isWellFormedToken(token: string): boolean {
  if (token === "" || token.startsWith("0") || token.length > 80 || token.includes("/")) return false;
  const colon = token.indexOf(":");
  if (colon <= 0) return false;
  const id = token.slice(0, colon);
  if (!/^\d+$/.test(id)) return false;
  const n = Number(id);
  return n > 0 && n < 2 ** 54;
}

export class World {
  readonly bots = new Map<number, BotRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly chats = new Map<number, ChatRecord>();
  private nextBotId: number;
  private nextUserId: number;
  private nextGroupId = 1;
  private nextSuperId = 1;

  constructor(readonly test: boolean) {
    this.nextBotId = test ? 5_000_000_001 : 7_000_000_001;
    this.nextUserId = test ? 500_000_001 : 100_000_001;
  }

  allocBotId(requested?: number): number {
    if (requested !== undefined) return requested;
    while (this.bots.has(this.nextBotId) || this.users.has(this.nextBotId)) this.nextBotId++;
    return this.nextBotId++;
  }

  allocUserId(requested?: number): number {
    if (requested !== undefined) return requested;
    while (this.users.has(this.nextUserId) || this.bots.has(this.nextUserId)) this.nextUserId++;
    return this.nextUserId++;
  }

  allocChatId(type: ChatType): number {
    if (type === "group") return -(4_000_000_000 + this.nextGroupId++);
    return -(1_000_000_000_000 + this.nextSuperId++);
  }

  botByToken(token: string): BotRecord | undefined {
    const id = Number(token.slice(0, token.indexOf(":")));
    const bot = this.bots.get(id);
    return bot && bot.token === token ? bot : undefined;
  }

  /** A bot by id, username (with or without "@") or current token. */
  findBot(ref: string | number): BotRecord | undefined {
    if (typeof ref === "number") return this.bots.get(ref);
    if (/^\d+$/.test(ref)) return this.bots.get(Number(ref));
    if (ref.includes(":")) return this.botByToken(ref);
    const name = ref.replace(/^@/, "").toLowerCase();
    for (const b of this.bots.values()) if (b.username.toLowerCase() === name) return b;
    return undefined;
  }

  findUser(ref: string | number): UserRecord | undefined {
    if (typeof ref === "number" || /^\d+$/.test(ref)) return this.users.get(Number(ref));
    const name = ref.replace(/^@/, "").toLowerCase();
    for (const u of this.users.values()) if (u.username?.toLowerCase() === name) return u;
    return undefined;
  }

  chatByUsername(username: string): ChatRecord | undefined {
    const name = username.replace(/^@/, "").toLowerCase();
    for (const c of this.chats.values()) if (c.username?.toLowerCase() === name) return c;
    return undefined;
  }
}
