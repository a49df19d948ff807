/**
 * Explicit `entities` / `caption_entities` (a JSON array of MessageEntity), read the way the Bot API
 * server reads them (tdlib/telegram-bot-api Client.cpp `get_formatted_text`, `get_text_entity`,
 * `get_text_entity_type`; field errors from td's JsonObject getters, tdutils/td/utils/JsonBuilder.cpp):
 *
 * - a value that is not JSON, or JSON that is not an array, is ignored (no entities);
 * - each element must be an object ("expected an Object"); `offset` and `length` are required
 *   integers (a number or a decimal string), then `type`, a required string ("Type is not specified"
 *   when empty);
 * - formatting types are kept: bold, italic, underline, strikethrough, spoiler, code, pre (optional
 *   `language`), text_link (required `url`), text_mention (required `user` object with an `id`),
 *   custom_emoji (required `custom_emoji_id`, an integer, answered as a string), blockquote,
 *   expandable_blockquote, date_time (required `unix_time`, optional `date_time_format` of the letters
 *   r R t T d D w W);
 * - the types the server finds by itself (mention, hashtag, cashtag, bot_command, url, email,
 *   phone_number, bank_card_number) are dropped: the text is searched for them again afterwards
 *   (entities.ts `findEntities`), so they appear only where they really occur;
 * - any other type is "Unsupported type specified".
 *
 * Every failure is {@link ExplicitEntityError} with the message after "Can't parse MessageEntity: ",
 * e.g. `Can't find field "url"` (the caller words the 400).
 */
import type { MessageEntity, User } from "./objects.js";

/** A rejected element; `message` is what follows "Can't parse MessageEntity: " in the server's answer. */
export class ExplicitEntityError extends Error {
  override readonly name = "ExplicitEntityError";
}

/** The entity types TDLib finds in the text by itself; given explicitly, they are dropped. */
const FOUND_TYPES = new Set(["mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bank_card_number"]);
const PLAIN_TYPES = new Set(["bold", "italic", "underline", "strikethrough", "spoiler", "code", "blockquote", "expandable_blockquote"]);

/**
 * The explicit entities of `raw` (undefined when there are none to read), in the given order.
 * `userOf(id)` answers a `text_mention`'s user as the sandbox knows it (undefined: the 400
 * "have no access to the user" TDLib gives for a user the bot cannot address; thrown by the caller
 * as {@link NoAccessToUserError}). Throws {@link ExplicitEntityError}.
 */
export function readExplicitEntities(raw: string, userOf: (id: number) => User | undefined): MessageEntity[] | undefined {
  if (raw === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const out: MessageEntity[] = [];
  for (const element of value) {
    const e = readEntity(element, userOf);
    if (e) out.push(e);
  }
  return out;
}

/** A `text_mention` names a user the sandbox does not know (TDLib: "Have no access to the user"). */
export class NoAccessToUserError extends Error {
  override readonly name = "NoAccessToUserError";
}

function readEntity(element: unknown, userOf: (id: number) => User | undefined): MessageEntity | null {
  if (element === null || typeof element !== "object" || Array.isArray(element)) throw new ExplicitEntityError("expected an Object");
  const o = element as Record<string, unknown>;
  const offset = intField(o, "offset");
  const length = intField(o, "length");
  const type = stringField(o, "type");
  if (type === "") throw new ExplicitEntityError("Type is not specified");
  const base = { type, offset, length };
  if (PLAIN_TYPES.has(type)) return base;
  if (FOUND_TYPES.has(type)) return null;
  switch (type) {
    case "pre": {
      const language = optionalStringField(o, "language");
      return language ? { ...base, language } : base;
    }
    case "text_link":
      return { ...base, url: stringField(o, "url") };
    case "text_mention": {
      if (!("user" in o)) throw new ExplicitEntityError('Can\'t find field "user"');
      const user = o.user;
      if (user === null || typeof user !== "object" || Array.isArray(user)) throw new ExplicitEntityError('Field "user" must be of type Object');
      const id = longField(user as Record<string, unknown>, "id");
      const known = userOf(Number(id));
      if (!known) throw new NoAccessToUserError("Have no access to the user");
      return { ...base, user: known };
    }
    case "custom_emoji":
      return { ...base, custom_emoji_id: longField(o, "custom_emoji_id") };
    case "date_time": {
      const unixTime = intField(o, "unix_time");
      const format = optionalStringField(o, "date_time_format");
      if (format && !/^[rRtTdDwW]+$/.test(format)) throw new ExplicitEntityError("Invalid date-time format specified");
      return { ...base, unix_time: unixTime, ...(format ? { date_time_format: format } : {}) };
    }
    default:
      throw new ExplicitEntityError("Unsupported type specified");
  }
}

/** td `get_required_int_field`: a number or a decimal string, within int32. */
function intField(o: Record<string, unknown>, name: string): number {
  return Number(integer(o, name, 2n ** 31n, `Field "${name}" must be of type Number`));
}

/** td `get_required_long_field`: a number or a decimal string, within int64; answered as its decimal text. */
function longField(o: Record<string, unknown>, name: string): string {
  return integer(o, name, 2n ** 63n, `Field "${name}" must be a Number`);
}

/** The canonical decimal text of an integer field (td `to_integer_safe`: it must print back as given). */
function integer(o: Record<string, unknown>, name: string, bound: bigint, wrongType: string): string {
  if (!(name in o)) throw new ExplicitEntityError(`Can't find field "${name}"`);
  const v = o[name];
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v : null;
  if (s === null) throw new ExplicitEntityError(wrongType);
  const n = /^-?\d+$/.test(s) ? BigInt(s) : null;
  if (n === null || n.toString() !== s || n >= bound || n < -bound) throw new ExplicitEntityError(`Can't parse "${s}" as number`);
  return s;
}

/** td `get_required_string_field`: a string, or a number taken as its text. */
function stringField(o: Record<string, unknown>, name: string): string {
  if (!(name in o)) throw new ExplicitEntityError(`Can't find field "${name}"`);
  return asString(o, name);
}

function optionalStringField(o: Record<string, unknown>, name: string): string {
  return name in o ? asString(o, name) : "";
}

function asString(o: Record<string, unknown>, name: string): string {
  const v = o[name];
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw new ExplicitEntityError(`Field "${name}" must be of type String`);
}
