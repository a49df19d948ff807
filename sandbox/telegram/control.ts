/**
 * The control API: what a test (or a developer with curl) does to the sandbox from Telegram's side —
 * create bots, users and chats, revoke a token, write to a bot as a user, read what the bot sent,
 * change the profile and flood limits, move the clock. The same operations are methods of the
 * object startTelegramSandbox returns ({@link ControlEnv}, {@link Control}); the HTTP routes under
 * `/sandbox` map onto them one to one (`/sandbox/test/...` for the test environment).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ControlError as KitControlError, type ControlEnvelope, type ControlRoute, controlRouter } from "../kit/control.js";
import { type Faults, faultRoutes } from "../kit/faults.js";
import { type Profile, type TelegramEngine } from "./engine.js";
import { formatText } from "./entities.js";
import { DEFAULT_FLOOD, type FloodSettings } from "./flood.js";
import type { StoredFile } from "./files.js";
import { botGetMeJson, type Chat, groupChatJson, type Message, privateChatJson, type ReactionType, type User, userJson } from "./objects.js";
import { type UserContentInput, UserActionError, chatInstance, findCallbackButton, userContent, userReaction } from "./user-actions.js";
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

/**
 * A user's message: `text` (with `parse_mode` or `entities`, as a client would send it; /commands,
 * @mentions, URLs… are also detected), or one of photo, document, video, audio, voice, sticker (bytes
 * in base64, with `caption`), location, contact (user-actions.ts `UserContentInput`).
 */
export interface UserMessageInput extends UserContentInput {
  bot: BotRef;
  /** The user writing (id or username). */
  from: UserRef;
  /** Default: the private chat of `from` with the bot. */
  chat_id?: number;
  reply_to_message_id?: number;
  /** Unix seconds (default: now on the sandbox clock); an old date makes an update that expires sooner. */
  date?: number;
}

export interface UserMessageResult {
  /** null when the bot's allowed_updates excludes the update type. */
  update_id: number | null;
  message: Message;
}

/** A user edits their own message: new `text` (text messages) or `caption` (media). */
export interface UserEditInput {
  bot: BotRef;
  from: UserRef;
  chat_id?: number;
  message_id: number;
  text?: string;
  caption?: string;
}

/** A user reacts to a message with `reaction` (emoji; `[]` removes their reaction). */
export interface UserReactionInput {
  bot: BotRef;
  from: UserRef;
  chat_id?: number;
  message_id: number;
  reaction: string[];
}

/** A user presses the inline button with `callback_data` on a bot's message. */
export interface ButtonPressInput {
  bot: BotRef;
  from: UserRef;
  chat_id?: number;
  message_id: number;
  callback_data: string;
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
    const content = userAction(() => userContent(this.engine, bot, input));
    const date = input.date ?? this.engine.nowSeconds();
    const { chatJson, chatId, chatRecord } = this.userChat(bot, user, input.chat_id);
    bot.knownUsers.add(user.id);

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
    Object.assign(message, content);
    log.keep(message.message_id, { message, outgoing: false, deleted: false });
    const update_id = this.engine.addUpdate(bot, isChannel ? "channel_post" : "message", message, date);
    return { update_id, message };
  }

  /**
   * A user edits their own message: its text or caption changes, `edit_date` is set, and the bot gets
   * an `edited_message` (`edited_channel_post`) update. 404 for a message that is not theirs; 400 for
   * a text on a media message or a caption on a text message.
   */
  editUserMessage(input: UserEditInput): UserMessageResult {
    const bot = this.bot(input.bot);
    const user = this.user(input.from);
    const { chatId, chatRecord } = this.userChat(bot, user, input.chat_id);
    const stored = bot.chats.get(chatId)?.messages.get(Number(input.message_id));
    const own = stored && !stored.deleted && !stored.outgoing && (stored.message.from?.id === user.id || chatRecord?.type === "channel");
    if (!stored || !own) throw new ControlError(404, `no message ${input.message_id} of user ${user.id} in chat ${chatId}`);
    const before = stored.message;
    const { text: _t, entities: _e, caption: _c, caption_entities: _ce, edit_date: _d, ...rest } = before;
    const edited: Message = { ...rest, edit_date: this.engine.nowSeconds() };
    if (before.text !== undefined) {
      if (typeof input.text !== "string" || input.text.trim() === "") throw new ControlError(400, "a text message is edited with a non-empty text");
      const ft = formatText(input.text, "", undefined);
      edited.text = ft.text;
      if (ft.entities.length > 0) edited.entities = ft.entities;
    } else {
      if (typeof input.caption !== "string") throw new ControlError(400, "a media message is edited with a caption");
      const ft = formatText(input.caption, "", undefined);
      if (ft.text !== "") edited.caption = ft.text;
      if (ft.entities.length > 0) edited.caption_entities = ft.entities;
    }
    stored.message = edited;
    const update_id = this.engine.addUpdate(bot, chatRecord?.type === "channel" ? "edited_channel_post" : "edited_message", edited, edited.edit_date!);
    return { update_id, message: edited };
  }

  /**
   * A user reacts to a message (theirs or the bot's): a `message_reaction` update with the old and
   * new reaction, if the bot's allowed_updates asks for it and, in a group, the bot is an
   * administrator (Bot API docs, Update.message_reaction); `update_id` null otherwise.
   */
  reactToMessage(input: UserReactionInput): { update_id: number | null; reaction: ReactionType[] } {
    const bot = this.bot(input.bot);
    const user = this.user(input.from);
    const reaction = userAction(() => userReaction(input.reaction));
    const { chatJson, chatId, chatRecord } = this.userChat(bot, user, input.chat_id);
    const stored = bot.chats.get(chatId)?.messages.get(Number(input.message_id));
    if (!stored || stored.deleted) throw new ControlError(404, `no message ${input.message_id} in chat ${chatId}`);
    stored.userReactions ??= new Map();
    const old = stored.userReactions.get(user.id) ?? [];
    stored.userReactions.set(user.id, reaction);
    const status = chatRecord?.members.get(bot.id);
    const admin = !chatRecord || status === "administrator" || status === "creator";
    const date = this.engine.nowSeconds();
    const payload = { chat: chatJson, message_id: stored.message.message_id, user: userJson(user), date, old_reaction: old, new_reaction: reaction };
    return { update_id: admin ? this.engine.addUpdate(bot, "message_reaction", payload, date) : null, reaction };
  }

  /**
   * A user presses the inline button with `callback_data` on a bot's message: a `callback_query`
   * update (answerCallbackQuery answers it; ./callbacks.ts). 404 when the message has no such button.
   */
  pressButton(input: ButtonPressInput): { update_id: number | null; callback_query_id: string } {
    const bot = this.bot(input.bot);
    const user = this.user(input.from);
    const { chatId } = this.userChat(bot, user, input.chat_id);
    const stored = bot.chats.get(chatId)?.messages.get(Number(input.message_id));
    if (!stored || stored.deleted || !stored.outgoing) throw new ControlError(404, `no message ${input.message_id} of the bot in chat ${chatId}`);
    if (typeof input.callback_data !== "string" || !findCallbackButton(stored.message, input.callback_data)) {
      throw new ControlError(404, `message ${input.message_id} has no inline button with callback_data ${JSON.stringify(input.callback_data)}`);
    }
    const q = this.engine.callbackQueries.create(bot.id, this.engine.now());
    const payload = { id: q.id, from: userJson(user), message: stored.message, chat_instance: chatInstance(bot.id, chatId), data: input.callback_data };
    return { update_id: this.engine.addUpdate(bot, "callback_query", payload, this.engine.nowSeconds()), callback_query_id: q.id };
  }

  /** The bytes of a file of the bot (sent by it or to it); 404 when unknown, 409 for a file sent by URL (not fetched). */
  fileContent(ref: BotRef, fileId: string): { file: StoredFile; data: Buffer } {
    const bot = this.bot(ref);
    const file = this.engine.files.get(fileId, bot.id);
    if (!file) throw new ControlError(404, `bot ${bot.id} has no file ${fileId}`);
    if (!file.data) throw new ControlError(409, `file ${fileId} was sent by URL (${file.url ?? "?"}); the sandbox does not fetch URLs`);
    return { file, data: file.data };
  }

  /** The chat a user acts in: their private chat with the bot, or group/channel `chatId` (joined if needed). */
  private userChat(bot: BotRecord, user: UserRecord, chatIdInput: number | undefined): { chatJson: Chat; chatId: number; chatRecord?: ChatRecord } {
    let chatJson = privateChatJson(user);
    let chatId = user.id;
    let chatRecord: ChatRecord | undefined;
    if (chatIdInput !== undefined && chatIdInput !== user.id) {
      chatRecord = this.chat(chatIdInput);
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
    return chatRecord ? { chatJson, chatId, chatRecord } : { chatJson, chatId };
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

/** Runs a user action, answering its UserActionError as a ControlError with the same status. */
function userAction<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserActionError) throw new ControlError(e.status, e.message);
    throw e;
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
    doc:
      "POST /sandbox/messages {bot, from, chat_id?, reply_to_message_id?, date?, text + parse_mode?/entities? | photo|document|video|audio|voice|sticker: {data (base64), file_name?, mime_type?, duration?, width?, height?, performer?, title?, emoji?} + caption? | location: {latitude, longitude} | contact: {phone_number, first_name, last_name?, vcard?}} — a user writes to the bot: {update_id, message}",
    run: ({ env, body }) => env.sendUserMessage(body as unknown as UserMessageInput),
  },
  {
    method: "POST",
    pattern: re(`${E}/messages/edit`),
    doc: "POST /sandbox/messages/edit {bot, from, chat_id?, message_id, text | caption} — the user edits their message: edited_message update",
    run: ({ env, body }) => env.editUserMessage(body as unknown as UserEditInput),
  },
  {
    method: "POST",
    pattern: re(`${E}/reactions`),
    doc: "POST /sandbox/reactions {bot, from, chat_id?, message_id, reaction: [emoji]} — the user reacts: message_reaction update (if allowed_updates asks for it; in groups only for an administrator bot)",
    run: ({ env, body }) => env.reactToMessage(body as unknown as UserReactionInput),
  },
  {
    method: "POST",
    pattern: re(`${E}/callback_queries`),
    doc: "POST /sandbox/callback_queries {bot, from, chat_id?, message_id, callback_data} — the user presses an inline button: callback_query update; {update_id, callback_query_id}",
    run: ({ env, body }) => env.pressButton(body as unknown as ButtonPressInput),
  },
  {
    method: "GET",
    pattern: re(`${E}/bots/([^/]+)/files/([^/]+)`),
    doc: "GET /sandbox/bots/:bot/files/:file_id — a file the bot sent or received: {file_id, file_unique_id, file_name?, mime_type?, file_size, sha256, data (base64)}",
    run: ({ env, m }) => {
      const { file, data } = env.fileContent(arg(m, 1), arg(m, 2));
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        ...(file.file_name ? { file_name: file.file_name } : {}),
        ...(file.mime_type ? { mime_type: file.mime_type } : {}),
        file_size: file.file_size,
        sha256: createHash("sha256").update(data).digest("hex"),
        data: data.toString("base64"),
      };
    },
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

/** Largest control request body: room for a user's media file in base64 (about 24 MB of bytes). */
const MAX_CONTROL_BODY_BYTES = 32 * 1024 * 1024;

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
  return controlRouter({ routes: [...routes, ...faultRoutes(faults)], envelope, describe: () => describeControl(apiRoot(), control), maxBodyBytes: MAX_CONTROL_BODY_BYTES });
}
