/**
 * The control API: what a test (or a developer with curl) does to the sandbox from Telegram's side —
 * create bots, users and chats, revoke a token, write to a bot as a user, read what the bot sent,
 * change the profile and flood limits, move the clock. The same operations are methods of the
 * object startTelegramSandbox returns ({@link ControlEnv}, {@link Control}); the HTTP routes under
 * `/sandbox` map onto them one to one (`/sandbox/test/...` for the test environment).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ControlError as KitControlError, type ControlEnvelope, type ControlRoute, controlRouter } from "../kit/control.js";
import { type Faults, faultRoutes } from "../kit/faults.js";
import { type Profile, type TelegramEngine } from "./engine.js";
import { formatText } from "./entities.js";
import { DEFAULT_FLOOD, type FloodSettings } from "./flood.js";
import { botGetMeJson, groupChatJson, type Message, type MessageEntity, privateChatJson, type User, userJson } from "./objects.js";
import {
  BotRecord,
  type ChatRecord,
  type ChatType,
  type MemberStatus,
  newToken,
  type SentRecord,
  updateJson,
  type UserRecord,
  type World,
} from "./state.js";
import { getWebhookInfo } from "./methods/updates.js";
import { withoutReply } from "./methods/common.js";
import { Params } from "./params.js";

/**
 * A failed control call: HTTP `status`, answered as `{ok: false, error_code, description}` (the
 * kit's ControlError with a code derived from the status).
 */
export class ControlError extends KitControlError {
  constructor(status: number, message: string) {
    super(status, STATUS_CODES_TEXT[status] ?? `error_${status}`, message);
  }
}

const STATUS_CODES_TEXT: Record<number, string> = { 400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 429: "too_many_requests" };

export type BotRef = number | string;
export type UserRef = number | string;

export interface CreateBotInput {
  id?: number;
  /** Must end in "bot" (BotFather's rule); default `sandbox<N>_bot`. */
  username?: string;
  first_name?: string;
  can_join_groups?: boolean;
  can_read_all_group_messages?: boolean;
  supports_inline_queries?: boolean;
}

export interface BotInfo {
  id: number;
  token: string;
  username: string;
  first_name: string;
  /** What getMe answers. */
  user: User;
}

export interface BotState extends BotInfo {
  session: "active" | "closed" | "logged_out";
  /** Unix seconds of the last launch (creation, or the first call after close/logOut). */
  launched_at: number;
  /** Unix seconds until which the bot is refused after logOut ("cloud" profile). */
  locked_until?: number;
  webhook: Record<string, unknown>;
  pending_update_count: number;
  waiting_get_updates: boolean;
}

export interface CreateUserInput {
  id?: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: boolean;
}

export interface MemberInput {
  user?: UserRef;
  bot?: BotRef;
  status?: MemberStatus;
}

export interface CreateChatInput {
  type?: ChatType;
  title?: string;
  username?: string;
  is_forum?: boolean;
  /** Users (ids or usernames) who are members. */
  members?: UserRef[];
  /** Bots (id, username or token) who are members; `{bot, status}` to make one an administrator. */
  bots?: Array<BotRef | { bot: BotRef; status?: MemberStatus }>;
}

export interface ChatInfo {
  id: number;
  type: ChatType;
  title: string;
  username?: string;
  migrated_to_chat_id?: number;
  members: Array<{ id: number; is_bot: boolean; status: MemberStatus }>;
}

export interface UserMessageInput {
  bot: BotRef;
  /** The user writing (id or username). */
  from: UserRef;
  /** Default: the private chat of `from` with the bot. */
  chat_id?: number;
  text: string;
  /** Markup for the text, as a client would send it (entities are also detected: /commands, @mentions, URLs…). */
  parse_mode?: string;
  entities?: MessageEntity[];
  reply_to_message_id?: number;
  /** Unix seconds (default: now on the sandbox clock); an old date makes an update that expires sooner. */
  date?: number;
}

export interface UserMessageResult {
  /** null when the bot's allowed_updates excludes the update type. */
  update_id: number | null;
  message: Message;
}

export interface SentQuery {
  chat_id?: number;
  /** Only records with `seq` greater than this. */
  after?: number;
}

/** The operations on one environment (production or test). */
export class ControlEnv {
  constructor(
    private readonly engine: TelegramEngine,
    private readonly world: World,
  ) {}

  createBot(input: CreateBotInput = {}): BotInfo {
    const id = this.world.allocBotId(input.id);
    if (!Number.isSafeInteger(id) || id <= 0 || id >= 2 ** 54) throw new ControlError(400, "bot id must be a positive integer below 2^54");
    if (this.world.bots.has(id) || this.world.users.has(id)) throw new ControlError(409, `id ${id} is taken`);
    const username = input.username ?? `sandbox${this.world.bots.size + 1}_bot`;
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(username) || !/bot$/i.test(username)) {
      throw new ControlError(400, "username must be 4-32 characters (letters, digits, _), start with a letter and end in \"bot\"");
    }
    if (this.world.findBot(username) || this.world.findUser(username)) throw new ControlError(409, `username ${username} is taken`);
    const bot = new BotRecord(
      id,
      username,
      input.first_name ?? defaultBotName(username),
      {
        can_join_groups: input.can_join_groups ?? true,
        can_read_all_group_messages: input.can_read_all_group_messages ?? false,
        supports_inline_queries: input.supports_inline_queries ?? false,
      },
      this.engine.now(),
    );
    this.world.bots.set(id, bot);
    return this.botInfo(bot);
  }

  listBots(): BotState[] {
    return [...this.world.bots.values()].map((b) => this.botState(b));
  }

  getBot(ref: BotRef): BotState {
    return this.botState(this.bot(ref));
  }

  /** BotFather's /revoke: the old token answers 401 from now on; returns the new one. */
  revokeToken(ref: BotRef): BotInfo {
    const bot = this.bot(ref);
    this.engine.revoke(bot, newToken(bot.id));
    return this.botInfo(bot);
  }

  createUser(input: CreateUserInput = {}): User {
    const id = this.world.allocUserId(input.id);
    if (!Number.isSafeInteger(id) || id <= 0 || id >= 2 ** 52) throw new ControlError(400, "user id must be a positive integer below 2^52");
    if (this.world.users.has(id) || this.world.bots.has(id)) throw new ControlError(409, `id ${id} is taken`);
    if (input.username !== undefined && (this.world.findUser(input.username) || this.world.findBot(input.username))) {
      throw new ControlError(409, `username ${input.username} is taken`);
    }
    const user: UserRecord = { id, first_name: input.first_name ?? `User ${id}` };
    if (input.last_name) user.last_name = input.last_name;
    if (input.username) user.username = input.username.replace(/^@/, "");
    if (input.language_code) user.language_code = input.language_code;
    if (input.is_premium) user.is_premium = true;
    this.world.users.set(id, user);
    return userJson(user);
  }

  listUsers(): User[] {
    return [...this.world.users.values()].map(userJson);
  }

  createChat(input: CreateChatInput = {}): ChatInfo {
    const type = input.type ?? "group";
    if (!["group", "supergroup", "channel"].includes(type)) throw new ControlError(400, "type must be group, supergroup or channel");
    if (input.username !== undefined && this.world.chatByUsername(input.username)) throw new ControlError(409, `username ${input.username} is taken`);
    const chat: ChatRecord = {
      id: this.world.allocChatId(type),
      type,
      title: input.title ?? `Sandbox ${type}`,
      members: new Map(),
    };
    if (input.username && type !== "group") chat.username = input.username.replace(/^@/, "");
    if (input.is_forum && type === "supergroup") chat.is_forum = true;
    for (const u of input.members ?? []) chat.members.set(this.user(u).id, "member");
    for (const b of input.bots ?? []) {
      const ref = typeof b === "object" ? b.bot : b;
      const status = typeof b === "object" ? (b.status ?? "member") : "member";
      chat.members.set(this.bot(ref).id, status);
    }
    this.world.chats.set(chat.id, chat);
    return this.chatInfo(chat);
  }

  listChats(): ChatInfo[] {
    return [...this.world.chats.values()].map((c) => this.chatInfo(c));
  }

  /** Adds a user or bot to a chat, or changes its status ("left" and "kicked" remove it). */
  setMember(chatId: number, input: MemberInput): ChatInfo {
    const chat = this.chat(chatId);
    const status = input.status ?? "member";
    if (input.bot !== undefined) chat.members.set(this.bot(input.bot).id, status);
    else if (input.user !== undefined) chat.members.set(this.user(input.user).id, status);
    else throw new ControlError(400, "give user or bot");
    return this.chatInfo(chat);
  }

  /** Upgrades a basic group to a supergroup: sends to the old id answer 400 with migrate_to_chat_id. */
  migrateChat(chatId: number): ChatInfo {
    const old = this.chat(chatId);
    if (old.type !== "group") throw new ControlError(400, "only a basic group can be upgraded");
    if (old.migratedTo !== undefined) throw new ControlError(409, "the group was upgraded already");
    const next: ChatRecord = { id: this.world.allocChatId("supergroup"), type: "supergroup", title: old.title, members: new Map(old.members) };
    this.world.chats.set(next.id, next);
    old.migratedTo = next.id;
    return this.chatInfo(next);
  }

  /** The user blocks the bot: the bot's sends to them answer 403 "bot was blocked by the user". */
  blockBot(userRef: UserRef, botRef: BotRef): void {
    this.bot(botRef).blockedBy.add(this.user(userRef).id);
  }

  unblockBot(userRef: UserRef, botRef: BotRef): void {
    this.bot(botRef).blockedBy.delete(this.user(userRef).id);
  }

  /**
   * A user writes to the bot: the message gets the chat's next message_id and becomes a `message`
   * update (`channel_post` in a channel) — queued for getUpdates or delivered to the webhook.
   */
  sendUserMessage(input: UserMessageInput): UserMessageResult {
    const bot = this.bot(input.bot);
    const user = this.user(input.from);
    if (typeof input.text !== "string" || input.text.trim() === "") throw new ControlError(400, "text must be a non-empty string");
    const date = input.date ?? this.engine.nowSeconds();
    let chatJson = privateChatJson(user);
    let chatId = user.id;
    let chatRecord: ChatRecord | undefined;
    if (input.chat_id !== undefined && input.chat_id !== user.id) {
      chatRecord = this.chat(input.chat_id);
      if (chatRecord.migratedTo !== undefined) throw new ControlError(409, `the group was upgraded to ${chatRecord.migratedTo}`);
      const status = chatRecord.members.get(bot.id);
      if (status === undefined || status === "left" || status === "kicked") throw new ControlError(409, "the bot is not a member of this chat");
      const userStatus = chatRecord.members.get(user.id);
      if (userStatus === "kicked") throw new ControlError(409, "the user was banned from this chat");
      if (userStatus === undefined || userStatus === "left") chatRecord.members.set(user.id, "member");
      chatJson = groupChatJson(chatRecord);
      chatId = chatRecord.id;
    } else {
      bot.startedBy.add(user.id);
    }
    bot.knownUsers.add(user.id);

    const ft = formatText(input.text, input.parse_mode ?? "", input.entities);
    const log = bot.chatLog(chatId);
    const isChannel = chatRecord?.type === "channel";
    const message: Message = isChannel
      ? { message_id: log.nextMessageId++, sender_chat: chatJson, chat: chatJson, date }
      : { message_id: log.nextMessageId++, from: userJson(user), chat: chatJson, date };
    if (input.reply_to_message_id !== undefined) {
      const replied = log.messages.get(input.reply_to_message_id);
      if (!replied || replied.deleted) throw new ControlError(404, `no message ${input.reply_to_message_id} in chat ${chatId}`);
      message.reply_to_message = withoutReply(replied.message);
    }
    message.text = ft.text;
    if (ft.entities.length > 0) message.entities = ft.entities;
    log.keep(message.message_id, { message, outgoing: false, deleted: false });
    const update_id = this.engine.addUpdate(bot, isChannel ? "channel_post" : "message", message, date);
    return { update_id, message };
  }

  /** What the bot did through the API, oldest first: sends, edits, deletions, chat actions. */
  sent(ref: BotRef, query: SentQuery = {}): SentRecord[] {
    return this.bot(ref).sent.filter((r) => (query.chat_id === undefined || r.chat_id === query.chat_id) && r.seq > (query.after ?? 0));
  }

  /** Waits (real time) for the next record matching `query`. */
  waitForSent(ref: BotRef, query: SentQuery = {}, timeoutMs = 5_000): Promise<SentRecord> {
    const bot = this.bot(ref);
    return this.engine.waitForSent(bot, query.after ?? 0, (r) => query.chat_id === undefined || r.chat_id === query.chat_id, timeoutMs);
  }

  /** The chat as the bot sees it now: every message not deleted, edits applied. */
  chatMessages(ref: BotRef, chatId: number): Message[] {
    const log = this.bot(ref).chats.get(chatId);
    return log ? [...log.messages.values()].filter((m) => !m.deleted).map((m) => m.message) : [];
  }

  /** Updates waiting for getUpdates or the webhook, in order. */
  pendingUpdates(ref: BotRef): Array<Record<string, unknown>> {
    const bot = this.bot(ref);
    bot.queue.purgeExpired(this.engine.now());
    return bot.queue.list().map(updateJson);
  }

  // ------------------------------------------------------------------ helpers

  private bot(ref: BotRef): BotRecord {
    const bot = this.world.findBot(ref);
    if (!bot) throw new ControlError(404, `no bot ${String(ref)}`);
    return bot;
  }

  private user(ref: UserRef): UserRecord {
    const user = this.world.findUser(ref);
    if (!user) throw new ControlError(404, `no user ${String(ref)}`);
    return user;
  }

  private chat(id: number): ChatRecord {
    const chat = this.world.chats.get(Number(id));
    if (!chat) throw new ControlError(404, `no chat ${String(id)}`);
    return chat;
  }

  private botInfo(bot: BotRecord): BotInfo {
    return { id: bot.id, token: bot.token, username: bot.username, first_name: bot.first_name, user: botGetMeJson(bot) };
  }

  private botState(bot: BotRecord): BotState {
    const state: BotState = {
      ...this.botInfo(bot),
      session: bot.session,
      launched_at: Math.floor(bot.launchedAt / 1000),
      webhook: getWebhookInfo({ engine: this.engine, world: this.world, bot, params: new Params([]), method: "getwebhookinfo", onAbort: () => {} }) as Record<string, unknown>,
      pending_update_count: bot.queue.size,
      waiting_get_updates: bot.pendingPoll !== null,
    };
    if (bot.session === "logged_out" && bot.lockedUntil > this.engine.now()) state.locked_until = Math.ceil(bot.lockedUntil / 1000);
    return state;
  }

  private chatInfo(chat: ChatRecord): ChatInfo {
    const info: ChatInfo = {
      id: chat.id,
      type: chat.type,
      title: chat.title,
      members: [...chat.members].map(([id, status]) => ({ id, is_bot: this.world.bots.has(id), status })),
    };
    if (chat.username) info.username = chat.username;
    if (chat.migratedTo !== undefined) info.migrated_to_chat_id = chat.migratedTo;
    return info;
  }
}

function defaultBotName(username: string): string {
  const base = username.replace(/_?bot$/i, "").replace(/_/g, " ");
  return `${base.charAt(0).toUpperCase()}${base.slice(1)} Bot`;
}

export interface SettingsInput {
  profile?: Profile;
  /** `false` turns the limits off; `null` restores the defaults; an object replaces the given rules. */
  flood?: Partial<FloodSettings> | false | null;
  strict_webhook_urls?: boolean;
  webhook_timeout_ms?: number;
}

export interface SettingsView {
  profile: Profile;
  flood: FloodSettings | false;
  strict_webhook_urls: boolean;
  webhook_timeout_ms: number;
  /** The sandbox clock, ms since the epoch. */
  now: number;
}

/** The sandbox-wide operations, and the two environments. */
export class Control {
  readonly prod: ControlEnv;
  readonly test: ControlEnv;

  constructor(private readonly engine: TelegramEngine) {
    this.prod = new ControlEnv(engine, engine.prod);
    this.test = new ControlEnv(engine, engine.test);
  }

  settings(): SettingsView {
    const s = this.engine.settings;
    return {
      profile: s.profile,
      flood: this.engine.flood.current(),
      strict_webhook_urls: s.strictWebhookUrls,
      webhook_timeout_ms: s.webhookTimeoutMs,
      now: this.engine.now(),
    };
  }

  configure(input: SettingsInput): SettingsView {
    if (input.profile !== undefined) {
      if (input.profile !== "cloud" && input.profile !== "local") throw new ControlError(400, "profile must be cloud or local");
      this.engine.settings.profile = input.profile;
    }
    if (input.flood !== undefined) this.engine.flood.configure(mergeFlood(input.flood));
    if (input.strict_webhook_urls !== undefined) this.engine.settings.strictWebhookUrls = input.strict_webhook_urls === true;
    if (input.webhook_timeout_ms !== undefined) {
      if (!Number.isFinite(input.webhook_timeout_ms) || input.webhook_timeout_ms <= 0) throw new ControlError(400, "webhook_timeout_ms must be > 0");
      this.engine.settings.webhookTimeoutMs = input.webhook_timeout_ms;
    }
    return this.settings();
  }

  /** Moves the sandbox clock forward, firing every timer that falls due (lockouts, long polls, retries). */
  async advanceClock(ms: number): Promise<number> {
    if (!Number.isFinite(ms) || ms < 0) throw new ControlError(400, "ms must be a number ≥ 0");
    this.engine.clock.advance(ms);
    // Let the callbacks of fired timers (answers, deliveries) run before reporting.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.engine.now();
  }
}

/** Flood settings from a control input (see {@link SettingsInput.flood}). */
export function mergeFlood(input: Partial<FloodSettings> | false | null | undefined): FloodSettings | false {
  if (input === false) return false;
  if (input === null || input === undefined) return DEFAULT_FLOOD;
  const out: FloodSettings = { ...DEFAULT_FLOOD };
  for (const key of ["privateChat", "groupChat", "bot"] as const) {
    const rule = input[key];
    if (rule === undefined) continue;
    if (typeof rule !== "object" || rule === null || !(rule.limit > 0) || !(rule.windowMs > 0) || (rule.burst !== undefined && !(rule.burst >= 1))) {
      throw new ControlError(400, `flood.${key} must be {limit > 0, windowMs > 0, burst? ≥ 1}`);
    }
    out[key] = { limit: rule.limit, windowMs: rule.windowMs, ...(rule.burst !== undefined ? { burst: rule.burst } : {}) };
  }
  return out;
}

// ---------------------------------------------------------------------- HTTP

interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  pattern: RegExp;
  /** One line for GET /sandbox. */
  doc: string;
  run: (c: { control: Control; env: ControlEnv; m: RegExpExecArray; body: Record<string, unknown>; query: URLSearchParams }) => unknown;
}

const E = "(?:/test)?";

const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/sandbox\/settings$/, doc: "GET /sandbox/settings — profile, flood limits, webhook settings, clock", run: ({ control }) => control.settings() },
  {
    method: "POST",
    pattern: /^\/sandbox\/settings$/,
    doc: 'POST /sandbox/settings {profile?: "cloud"|"local", flood?: {privateChat?, groupChat?, bot?: {limit, windowMs, burst?}} | false | null, strict_webhook_urls?, webhook_timeout_ms?}',
    run: ({ control, body }) => control.configure(body as SettingsInput),
  },
  { method: "GET", pattern: /^\/sandbox\/clock$/, doc: "GET /sandbox/clock — {now (ms), date (s)}", run: ({ control }) => clockView(control.settings().now) },
  {
    method: "POST",
    pattern: /^\/sandbox\/clock\/advance$/,
    doc: "POST /sandbox/clock/advance {ms} or {seconds} — moves the sandbox clock forward",
    run: async ({ control, body }) => clockView(await control.advanceClock(body.ms !== undefined ? Number(body.ms) : Number(body.seconds ?? NaN) * 1000)),
  },
  { method: "POST", pattern: re(`${E}/bots`), doc: "POST /sandbox/bots {username?, first_name?, id?, can_join_groups?, can_read_all_group_messages?, supports_inline_queries?} — {id, token, username, first_name, user}", run: ({ env, body }) => env.createBot(body as CreateBotInput) },
  { method: "GET", pattern: re(`${E}/bots`), doc: "GET /sandbox/bots — every bot with its state", run: ({ env }) => env.listBots() },
  { method: "GET", pattern: re(`${E}/bots/([^/]+)`), doc: "GET /sandbox/bots/:bot — session, webhook, pending updates (:bot = id, username or token)", run: ({ env, m }) => env.getBot(arg(m, 1)) },
  { method: "POST", pattern: re(`${E}/bots/([^/]+)/revoke`), doc: "POST /sandbox/bots/:bot/revoke — new token; the old one answers 401", run: ({ env, m }) => env.revokeToken(arg(m, 1)) },
  {
    method: "GET",
    pattern: re(`${E}/bots/([^/]+)/sent`),
    doc: "GET /sandbox/bots/:bot/sent?chat_id=&after=&wait=ms — what the bot sent; with wait, blocks until there is a record after `after`",
    run: async ({ env, m, query }) => {
      const q: SentQuery = {};
      if (query.has("chat_id")) q.chat_id = Number(query.get("chat_id"));
      if (query.has("after")) q.after = Number(query.get("after"));
      const wait = Number(query.get("wait") ?? 0);
      if (wait > 0 && env.sent(arg(m, 1), q).length === 0) {
        try {
          await env.waitForSent(arg(m, 1), q, Math.min(wait, 60_000));
        } catch {
          // Timed out: answer the (empty) list.
        }
      }
      return env.sent(arg(m, 1), q);
    },
  },
  { method: "GET", pattern: re(`${E}/bots/([^/]+)/updates`), doc: "GET /sandbox/bots/:bot/updates — updates not yet confirmed or delivered", run: ({ env, m }) => env.pendingUpdates(arg(m, 1)) },
  {
    method: "GET",
    pattern: re(`${E}/bots/([^/]+)/chats/(-?\\d+)/messages`),
    doc: "GET /sandbox/bots/:bot/chats/:chat_id/messages — the chat as the bot sees it (edits applied, deletions removed)",
    run: ({ env, m }) => env.chatMessages(arg(m, 1), Number(m[2])),
  },
  { method: "POST", pattern: re(`${E}/users`), doc: "POST /sandbox/users {first_name?, last_name?, username?, language_code?, is_premium?, id?} — a User", run: ({ env, body }) => env.createUser(body as CreateUserInput) },
  { method: "GET", pattern: re(`${E}/users`), doc: "GET /sandbox/users", run: ({ env }) => env.listUsers() },
  { method: "POST", pattern: re(`${E}/users/([^/]+)/block`), doc: "POST /sandbox/users/:user/block {bot} — the user blocks the bot", run: ({ env, m, body }) => (env.blockBot(arg(m, 1), body.bot as BotRef), true) },
  { method: "POST", pattern: re(`${E}/users/([^/]+)/unblock`), doc: "POST /sandbox/users/:user/unblock {bot}", run: ({ env, m, body }) => (env.unblockBot(arg(m, 1), body.bot as BotRef), true) },
  { method: "POST", pattern: re(`${E}/chats`), doc: 'POST /sandbox/chats {type?: "group"|"supergroup"|"channel", title?, username?, members?: [user], bots?: [bot | {bot, status}]}', run: ({ env, body }) => env.createChat(body as CreateChatInput) },
  { method: "GET", pattern: re(`${E}/chats`), doc: "GET /sandbox/chats", run: ({ env }) => env.listChats() },
  { method: "POST", pattern: re(`${E}/chats/(-?\\d+)/members`), doc: 'POST /sandbox/chats/:chat_id/members {user | bot, status?: "member"|"administrator"|"creator"|"left"|"kicked"}', run: ({ env, m, body }) => env.setMember(Number(m[1]), body as MemberInput) },
  { method: "POST", pattern: re(`${E}/chats/(-?\\d+)/migrate`), doc: "POST /sandbox/chats/:chat_id/migrate — upgrade a group to a supergroup", run: ({ env, m }) => env.migrateChat(Number(m[1])) },
  {
    method: "POST",
    pattern: re(`${E}/messages`),
    doc: "POST /sandbox/messages {bot, from, text, chat_id?, parse_mode?, entities?, reply_to_message_id?, date?} — a user writes to the bot: {update_id, message}",
    run: ({ env, body }) => env.sendUserMessage(body as unknown as UserMessageInput),
  },
];

function re(path: string): RegExp {
  return new RegExp(`^/sandbox${path}$`);
}

function arg(m: RegExpExecArray, i: number): string {
  return decodeURIComponent(m[i] ?? "");
}

function clockView(now: number): { now: number; date: number } {
  return { now, date: Math.floor(now / 1000) };
}

/** GET /sandbox: the control API described by its own routes. */
/** What `GET /sandbox` answers besides the route list. */
export function describeControl(apiRoot: string, control: Control): Record<string, unknown> {
  return {
    name: "Switchboard Telegram Bot API sandbox",
    api_root: apiRoot,
    bot_api: `${apiRoot}/bot<token>/<method> (test environment: ${apiRoot}/bot<token>/test/<method>)`,
    settings: control.settings(),
    envelope: "{ok: true, result} | {ok: false, error_code, description} — like the Bot API",
    test_environment: "every /sandbox/bots, /users, /chats and /messages route also exists under /sandbox/test/… for the test environment",
  };
}

/** The sandbox's answers, like the Bot API's: `{ok: true, result}`; `{ok: false, error_code, description}`. */
const envelope: ControlEnvelope = {
  ok: (result) => ({ ok: true, result }),
  error: (e) => {
    if (e instanceof KitControlError) return [e.status, { ok: false, error_code: e.status, description: e.message }];
    return [500, { ok: false, error_code: 500, description: e instanceof Error ? e.message : String(e) }];
  },
};

/**
 * The control API's handler (paths under `/sandbox`) on the kit's router: the routes above (the
 * production and the `/sandbox/test/…` environment), and the HTTP fault routes of `faults`.
 */
export function controlHandler(control: Control, apiRoot: () => string, faults: Faults): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const routes: ControlRoute[] = ROUTES.map((r) => ({
    method: r.method,
    path: r.pattern,
    doc: r.doc,
    run: async (ctx) => {
      const env = ctx.path.startsWith("/sandbox/test/") ? control.test : control.prod;
      const body = ctx.req.method === "POST" ? await ctx.body() : {};
      return r.run({ control, env, m: ctx.match, body, query: ctx.query });
    },
  }));
  return controlRouter({ routes: [...routes, ...faultRoutes(faults)], envelope, describe: () => describeControl(apiRoot(), control), maxBodyBytes: 1 << 20 });
}
