/**
 * The bot's own settings: setMyCommands, getMyCommands, deleteMyCommands, setMyName, getMyName
 * (tdlib/telegram-bot-api Client.cpp `get_bot_commands`, `get_bot_command_scope`,
 * `process_{set,get,delete}_my_commands_query`, `process_{set,get}_my_name_query`).
 *
 * Rules: `commands` is a JSON array of BotCommand ("Can't parse commands JSON object", "Expected an
 * Array of BotCommand", "Can't parse BotCommand: …"); at most 100 commands, each command 1–32 of
 * `a-z 0-9 _` and a description of 1–256 characters (Bot API docs, BotCommand; Telegram's answers
 * BOT_COMMANDS_TOO_MUCH, BOT_COMMAND_INVALID, BOT_COMMAND_DESCRIPTION_INVALID); a scope is a
 * BotCommandScope object ("Can't parse BotCommandScope JSON object", "Unsupported type specified"
 * for an unknown type); commands are kept per scope and `language_code`, and getMyCommands answers
 * exactly that list (empty when none is set). The name is 0–64 characters (Bot API docs, setMyName;
 * longer: the sandbox answers `name is too long`, Telegram's wording is not observed); an empty name
 * removes a language's name; the default name is the bot's `first_name`.
 */
import { badRequest } from "../errors.js";
import type { MethodContext } from "./context.js";

type BotCommand = { command: string; description: string };

const SCOPE_TYPES = new Set(["default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member"]);

function parseJson(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest(`Can't parse ${what} JSON object`);
  }
}

function stringOf(o: Record<string, unknown>, name: string, what: string): string {
  if (!(name in o)) throw badRequest(`Can't parse ${what}: Can't find field "${name}"`);
  const v = o[name];
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw badRequest(`Can't parse ${what}: Field "${name}" must be of type String`);
}

/** The key of a scope + language: the scope's type and its chat/user, then the language. */
function commandsKey(ctx: MethodContext): string {
  const raw = ctx.params.arg("scope");
  let scope = "default";
  if (raw !== "") {
    const v = parseJson(raw, "BotCommandScope");
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw badRequest("Object expected as BotCommandScope");
    const o = v as Record<string, unknown>;
    const type = stringOf(o, "type", "BotCommandScope");
    if (!SCOPE_TYPES.has(type)) throw badRequest("Unsupported type specified");
    scope = type;
    if (type === "chat" || type === "chat_administrators" || type === "chat_member") scope += `:${stringOf(o, "chat_id", "BotCommandScope")}`;
    if (type === "chat_member") scope += `:${stringOf(o, "user_id", "BotCommandScope")}`;
  }
  return `${scope}|${ctx.params.arg("language_code")}`;
}

function botCommands(raw: string): BotCommand[] {
  if (raw === "") return [];
  const v = parseJson(raw, "commands");
  if (!Array.isArray(v)) throw badRequest("Expected an Array of BotCommand");
  const out = v.map((c): BotCommand => {
    if (c === null || typeof c !== "object" || Array.isArray(c)) throw badRequest("Can't parse BotCommand: expected an Object");
    const o = c as Record<string, unknown>;
    return { command: stringOf(o, "command", "BotCommand"), description: stringOf(o, "description", "BotCommand") };
  });
  if (out.length > 100) throw badRequest("BOT_COMMANDS_TOO_MUCH");
  for (const c of out) {
    const command = c.command.replace(/^\//, "");
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
    if (c.description.trim().length === 0 || [...c.description].length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    c.command = command;
  }
  return out;
}

export function setMyCommands(ctx: MethodContext): unknown {
  const commands = botCommands(ctx.params.arg("commands"));
  const key = commandsKey(ctx);
  if (commands.length === 0) ctx.bot.commands.delete(key);
  else ctx.bot.commands.set(key, commands);
  return true;
}

export function getMyCommands(ctx: MethodContext): unknown {
  return ctx.bot.commands.get(commandsKey(ctx)) ?? [];
}

export function deleteMyCommands(ctx: MethodContext): unknown {
  ctx.bot.commands.delete(commandsKey(ctx));
  return true;
}

export function setMyName(ctx: MethodContext): unknown {
  const { params, bot } = ctx;
  const name = params.arg("name");
  const lang = params.arg("language_code");
  if ([...name].length > 64) throw badRequest("name is too long");
  if (lang === "") {
    if (name !== "") bot.first_name = name;
  } else if (name === "") bot.names.delete(lang);
  else bot.names.set(lang, name);
  return true;
}

export function getMyName(ctx: MethodContext): unknown {
  const lang = ctx.params.arg("language_code");
  return { name: (lang !== "" ? ctx.bot.names.get(lang) : undefined) ?? ctx.bot.first_name };
}
