/**
 * What a user does to a bot besides writing text, for the control API (control.ts): the content of
 * a user's message (a photo, document, video, audio, voice note, sticker, location or contact, with
 * an optional caption), editing their message (`edited_message`), reacting to a message
 * (`message_reaction`), and pressing an inline keyboard button (`callback_query`).
 *
 * The updates have the Bot API's shapes (docs: Message, MessageReactionUpdated, CallbackQuery).
 * Rules from the docs: `message_reaction` reaches a bot only when its `allowed_updates` asks for it,
 * and in groups only when the bot is an administrator; a callback query carries the message and the
 * button's `callback_data`, and `chat_instance`, a stable id of the chat. Files a user sends belong
 * to the bot that receives them (../files.ts).
 */
import { createHash } from "node:crypto";
import type { TelegramEngine } from "./engine.js";
import { formatText } from "./entities.js";
import type { FileKind } from "./files.js";
import type { Message, MessageEntity, ReactionType } from "./objects.js";
import { REACTION_EMOJI } from "./reactions.js";
import type { BotRecord } from "./state.js";

/** A failed user action (the control API answers it with `status`). */
export class UserActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "UserActionError";
  }
}

/** A file a user sends: its bytes as base64, and what a client would say about it. */
export interface UserFileInput {
  /** The content, base64. */
  data: string;
  file_name?: string;
  mime_type?: string;
  duration?: number;
  width?: number;
  height?: number;
  performer?: string;
  title?: string;
  /** Stickers. */
  emoji?: string;
}

/** The content of a user's message: `text`, or one media kind (with `caption`), or a location or contact. */
export interface UserContentInput {
  text?: string;
  parse_mode?: string;
  entities?: MessageEntity[];
  caption?: string;
  photo?: UserFileInput;
  document?: UserFileInput;
  video?: UserFileInput;
  audio?: UserFileInput;
  voice?: UserFileInput;
  sticker?: UserFileInput;
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name: string; last_name?: string; vcard?: string };
}

const MEDIA_KINDS = ["photo", "document", "video", "audio", "voice", "sticker"] as const satisfies readonly FileKind[];
type MediaKind = (typeof MEDIA_KINDS)[number];

/** The Message fields of a user's content; UserActionError 400 for none, several, or malformed content. */
export function userContent(engine: TelegramEngine, bot: BotRecord, input: UserContentInput): Partial<Message> {
  const given = [
    ...(input.text !== undefined ? ["text"] : []),
    ...MEDIA_KINDS.filter((k) => input[k] !== undefined),
    ...(input.location !== undefined ? ["location"] : []),
    ...(input.contact !== undefined ? ["contact"] : []),
  ];
  if (given.length !== 1) throw new UserActionError(400, "give exactly one of text, photo, document, video, audio, voice, sticker, location, contact");
  const kind = given[0]!;
  if (kind === "text") {
    if (typeof input.text !== "string" || input.text.trim() === "") throw new UserActionError(400, "text must be a non-empty string");
    const ft = formatText(input.text, input.parse_mode ?? "", input.entities);
    return ft.entities.length > 0 ? { text: ft.text, entities: ft.entities } : { text: ft.text };
  }
  if (kind === "location") {
    const { latitude, longitude } = input.location!;
    if (typeof latitude !== "number" || typeof longitude !== "number" || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      throw new UserActionError(400, "location needs latitude (−90…90) and longitude (−180…180) as numbers");
    }
    return { location: { latitude, longitude } };
  }
  if (kind === "contact") {
    const c = input.contact!;
    if (typeof c.phone_number !== "string" || c.phone_number === "" || typeof c.first_name !== "string" || c.first_name === "") {
      throw new UserActionError(400, "contact needs phone_number and first_name");
    }
    return { contact: { phone_number: c.phone_number, first_name: c.first_name, ...(c.last_name ? { last_name: c.last_name } : {}), ...(c.vcard ? { vcard: c.vcard } : {}) } };
  }
  const content = mediaOf(engine, bot, kind as MediaKind, input[kind as MediaKind]!);
  if (input.caption !== undefined && kind !== "sticker") {
    const ft = formatText(String(input.caption), input.parse_mode ?? "", undefined);
    if (ft.text !== "") content.caption = ft.text;
    if (ft.entities.length > 0) content.caption_entities = ft.entities;
  }
  return content;
}

function mediaOf(engine: TelegramEngine, bot: BotRecord, kind: MediaKind, f: UserFileInput): Partial<Message> {
  if (typeof f?.data !== "string" || !/^[A-Za-z0-9+/=_-]*$/.test(f.data)) throw new UserActionError(400, `${kind}.data must be the file's bytes in base64`);
  const data = Buffer.from(f.data, "base64");
  if (data.length === 0) throw new UserActionError(400, `${kind}.data is empty`);
  const mime = f.mime_type ?? { photo: undefined, document: undefined, video: "video/mp4", audio: "audio/mpeg", voice: "audio/ogg", sticker: undefined }[kind];
  const file = engine.files.add({ botId: bot.id, kind, data, ...(f.file_name ? { file_name: f.file_name } : {}), ...(mime ? { mime_type: mime } : {}) });
  const base = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size };
  const named = { ...(file.file_name ? { file_name: file.file_name } : {}), ...(file.mime_type ? { mime_type: file.mime_type } : {}) };
  const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  switch (kind) {
    case "photo": {
      const sizes = [90, 320, 800].map((side, i) => {
        const s = i === 2 ? file : engine.files.add({ botId: bot.id, kind: "photo", data });
        return { file_id: s.file_id, file_unique_id: s.file_unique_id, file_size: s.file_size, width: side, height: side };
      });
      engine.files.setPhotoSizes(sizes);
      return { photo: sizes };
    }
    case "document":
      return { document: { ...base, ...named } };
    case "video":
      return { video: { ...base, width: n(f.width), height: n(f.height), duration: n(f.duration), ...named } };
    case "audio":
      return { audio: { ...base, duration: n(f.duration), ...(f.performer ? { performer: f.performer } : {}), ...(f.title ? { title: f.title } : {}), ...named } };
    case "voice":
      return { voice: { ...base, duration: n(f.duration), ...(file.mime_type ? { mime_type: file.mime_type } : {}) } };
    case "sticker":
      return { sticker: { ...base, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, ...(f.emoji ? { emoji: f.emoji } : {}) } };
  }
}

/** The reaction list of a user's reaction request: emoji from the documented list (UserActionError 400 otherwise). */
export function userReaction(emoji: unknown): ReactionType[] {
  if (!Array.isArray(emoji) || emoji.some((e) => typeof e !== "string")) throw new UserActionError(400, "reaction must be an array of emoji strings ([] removes the user's reaction)");
  for (const e of emoji as string[]) if (!REACTION_EMOJI.has(e)) throw new UserActionError(400, `${e} is not one of the reaction emoji the Bot API lists`);
  return (emoji as string[]).map((e) => ({ type: "emoji", emoji: e }));
}

/** CallbackQuery.chat_instance: a stable id of (bot, chat), as a decimal string. */
export function chatInstance(botId: number, chatId: number): string {
  const h = createHash("sha256").update(`${botId}:${chatId}`).digest();
  return (h.readBigInt64BE(0) & 0x7fffffffffffffffn).toString();
}

/** The inline button of `message` whose `callback_data` is `data`, or undefined. */
export function findCallbackButton(message: Message, data: string): Record<string, unknown> | undefined {
  for (const row of message.reply_markup?.inline_keyboard ?? []) for (const b of row) if (b.callback_data === data) return b;
  return undefined;
}
