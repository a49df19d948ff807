/**
 * A local server speaking the Telegram Bot API wire protocol, for tests and for developing against
 * a "test mode" of Telegram. See docs/sandbox-telegram.md.
 *
 * ```ts
 * const sandbox = await startTelegramSandbox({ port: 0 });
 * const { token } = sandbox.createBot({ username: "demo_bot" });
 * const bot = new Bot(token, { client: { apiRoot: sandbox.url } }); // grammY
 * ```
 */
import { type Clock, createSystemClock } from "../kit/clock.js";
import {
  type BotInfo,
  type BotRef,
  type BotState,
  type ButtonPressInput,
  type ChatInfo,
  Control,
  type ControlEnv,
  type CreateBotInput,
  type CreateChatInput,
  type CreateUserInput,
  type MemberInput,
  mergeFlood,
  type SentQuery,
  type SettingsInput,
  type SettingsView,
  type UserEditInput,
  type UserMessageInput,
  type UserMessageResult,
  type UserReactionInput,
  type UserRef,
} from "./control.js";
import type { StoredFile } from "./files.js";
import { type Profile, TelegramEngine } from "./engine.js";
import type { FloodSettings } from "./flood.js";
import type { Message, ReactionType, User } from "./objects.js";
import { startHttpServer } from "./server.js";
import type { SentRecord } from "./state.js";

export { createManualClock, createSystemClock, type Clock, type TimerId } from "../kit/clock.js";
export { DEFAULT_FLOOD, type FloodRule, type FloodSettings } from "./flood.js";
export { IMPLEMENTED_METHODS } from "./methods/index.js";
export { ERRORS } from "./errors.js";
export type { Profile } from "./engine.js";
export type { Chat, Message, MessageEntity, PhotoSize, ReactionType, User } from "./objects.js";
export type { FileKind, StoredFile } from "./files.js";
export type { SentRecord } from "./state.js";
export type {
  BotInfo,
  BotRef,
  BotState,
  ButtonPressInput,
  ChatInfo,
  CreateBotInput,
  CreateChatInput,
  CreateUserInput,
  MemberInput,
  SentQuery,
  SettingsInput,
  SettingsView,
  UserEditInput,
  UserMessageInput,
  UserMessageResult,
  UserReactionInput,
  UserRef,
} from "./control.js";

export interface TelegramSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** The clock of every time rule (default: wall time, which `advanceClock` can still move forward). */
  clock?: Clock;
  /** "cloud" (default) behaves like api.telegram.org; "local" like a self-hosted telegram-bot-api server. */
  profile?: Profile;
  /** Flood limits: `false` disables them; a partial object overrides the defaults rule by rule. */
  flood?: Partial<FloodSettings> | false;
  /** On "cloud", refuse webhook URLs api.telegram.org refuses (plain HTTP, other ports, reserved IPs). Default false. */
  strictWebhookUrls?: boolean;
  /** How long a webhook request may take (sandbox clock, default 60 s). */
  webhookTimeoutMs?: number;
  /** Where internal errors are reported (default: stderr). */
  log?: (line: string) => void;
}

/** The control operations of one environment (production or test). */
export interface TelegramSandboxEnv {
  createBot(input?: CreateBotInput): BotInfo;
  listBots(): BotState[];
  getBot(bot: BotRef): BotState;
  revokeToken(bot: BotRef): BotInfo;
  createUser(input?: CreateUserInput): User;
  listUsers(): User[];
  createChat(input?: CreateChatInput): ChatInfo;
  listChats(): ChatInfo[];
  setMember(chatId: number, input: MemberInput): ChatInfo;
  migrateChat(chatId: number): ChatInfo;
  blockBot(user: UserRef, bot: BotRef): void;
  unblockBot(user: UserRef, bot: BotRef): void;
  sendUserMessage(input: UserMessageInput): UserMessageResult;
  editUserMessage(input: UserEditInput): UserMessageResult;
  reactToMessage(input: UserReactionInput): { update_id: number | null; reaction: ReactionType[] };
  pressButton(input: ButtonPressInput): { update_id: number | null; callback_query_id: string };
  /** The bytes of a file the bot sent or received (404 unknown; 409 sent by URL, not fetched). */
  fileContent(bot: BotRef, fileId: string): { file: StoredFile; data: Buffer };
  sent(bot: BotRef, query?: SentQuery): SentRecord[];
  waitForSent(bot: BotRef, query?: SentQuery, timeoutMs?: number): Promise<SentRecord>;
  chatMessages(bot: BotRef, chatId: number): Message[];
  pendingUpdates(bot: BotRef): Array<Record<string, unknown>>;
}

export interface TelegramSandbox extends TelegramSandboxEnv {
  /** The apiRoot for clients, e.g. `http://127.0.0.1:PORT` (methods at `${url}/bot<token>/<method>`). */
  readonly url: string;
  /** The control API, `${url}/sandbox`. */
  readonly controlUrl: string;
  readonly clock: Clock;
  /** The same operations on the test environment (`/bot<token>/test/<method>`). */
  readonly test: TelegramSandboxEnv;
  settings(): SettingsView;
  configure(input: SettingsInput): SettingsView;
  setProfile(profile: Profile): SettingsView;
  setFlood(flood: Partial<FloodSettings> | false | null): SettingsView;
  /** Moves the sandbox clock forward and lets what fell due run; resolves with the new time (ms). */
  advanceClock(ms: number): Promise<number>;
  /** Stops the server: waiting long polls are answered, webhook deliveries stop. */
  close(): Promise<void>;
}

function envApi(env: ControlEnv): TelegramSandboxEnv {
  return {
    createBot: (input) => env.createBot(input),
    listBots: () => env.listBots(),
    getBot: (bot) => env.getBot(bot),
    revokeToken: (bot) => env.revokeToken(bot),
    createUser: (input) => env.createUser(input),
    listUsers: () => env.listUsers(),
    createChat: (input) => env.createChat(input),
    listChats: () => env.listChats(),
    setMember: (chatId, input) => env.setMember(chatId, input),
    migrateChat: (chatId) => env.migrateChat(chatId),
    blockBot: (user, bot) => env.blockBot(user, bot),
    unblockBot: (user, bot) => env.unblockBot(user, bot),
    sendUserMessage: (input) => env.sendUserMessage(input),
    editUserMessage: (input) => env.editUserMessage(input),
    reactToMessage: (input) => env.reactToMessage(input),
    pressButton: (input) => env.pressButton(input),
    fileContent: (bot, fileId) => env.fileContent(bot, fileId),
    sent: (bot, query) => env.sent(bot, query),
    waitForSent: (bot, query, timeoutMs) => env.waitForSent(bot, query, timeoutMs),
    chatMessages: (bot, chatId) => env.chatMessages(bot, chatId),
    pendingUpdates: (bot) => env.pendingUpdates(bot),
  };
}

/** Starts the sandbox and resolves once it listens. */
export async function startTelegramSandbox(options: TelegramSandboxOptions = {}): Promise<TelegramSandbox> {
  const clock = options.clock ?? createSystemClock();
  const profile = options.profile ?? "cloud";
  if (profile !== "cloud" && profile !== "local") throw new TypeError('profile must be "cloud" or "local"');
  const engine = new TelegramEngine(
    clock,
    { profile, strictWebhookUrls: options.strictWebhookUrls ?? false, webhookTimeoutMs: options.webhookTimeoutMs ?? 60_000 },
    mergeFlood(options.flood),
  );
  const control = new Control(engine);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const http = await startHttpServer(engine, control, { host: options.host ?? "127.0.0.1", port: options.port ?? 0, log });
  let closing: Promise<void> | undefined;
  return {
    ...envApi(control.prod),
    url: http.url,
    controlUrl: `${http.url}/sandbox`,
    clock,
    test: envApi(control.test),
    settings: () => control.settings(),
    configure: (input) => control.configure(input),
    setProfile: (p) => control.configure({ profile: p }),
    setFlood: (flood) => control.configure({ flood }),
    advanceClock: (ms) => control.advanceClock(ms),
    close: () => {
      closing ??= (async () => {
        engine.shutdown();
        await http.close();
      })();
      return closing;
    },
  };
}
