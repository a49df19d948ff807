/**
 * The media-sending methods: sendPhoto, sendDocument, sendVideo, sendAudio, sendVoice, sendSticker,
 * sendAnimation (tdlib/telegram-bot-api Client.cpp `process_send_<kind>_query`, `get_input_file`,
 * `get_caption`, then `do_send_message`).
 *
 * The file parameter is read as the server reads it (`get_input_file`): `attach://<name>` names a
 * multipart part; any other non-empty value is a `file_id` the sandbox knows or an HTTP(S) URL;
 * empty means a part under the parameter's own name. Missing → "there is no <kind> in the request";
 * an unknown id or a non-URL string → "wrong file identifier/HTTP URL specified"; a known id of
 * another kind → "type of file mismatch". Uploads are stored (../files.ts) with their bytes; URLs
 * are not fetched.
 *
 * Not simulated: thumbnails are read and ignored; media is never decoded, so width, height and
 * duration are what the caller gave (else 0; photos get fixed 90/320/800 px sizes); stickers are
 * "regular" 512×512 static stickers; voice notes are not checked to be OGG/OPUS.
 */
import { textLength } from "../entities.js";
import { apiError, badRequest } from "../errors.js";
import { type FileKind, type StoredFile, documentMimeType } from "../files.js";
import type { Message, PhotoSize } from "../objects.js";
import { type UploadedFile, toInteger } from "../params.js";
import { checkFlood, createOutgoing, findReply, formatted, replyMarkup, replyParameters, targetChat } from "./common.js";
import type { MethodContext } from "./context.js";

export const MAX_CAPTION_LENGTH = 1024;

/** Where a method's file comes from (Client::get_input_file). */
export type InputFile = { kind: "remote"; value: string } | { kind: "upload"; file: UploadedFile };

/** Reads the file parameter `field` (or the attach:// part it names), or null when there is none. */
export function inputFile({ params }: MethodContext, field: string): InputFile | null {
  const value = params.arg(field);
  if (value.startsWith("attach://")) {
    const file = params.file(value.slice("attach://".length));
    return file ? { kind: "upload", file } : null;
  }
  if (value !== "") return { kind: "remote", value };
  const file = params.file(field);
  return file ? { kind: "upload", file } : null;
}

/**
 * The stored file for `input` as a `kind`: an upload is stored; a known file_id is reused (of the
 * same kind: else "type of file mismatch"); an HTTP(S) URL becomes a file without bytes.
 */
export function resolveFile(ctx: MethodContext, input: InputFile, kind: FileKind): StoredFile {
  const { files } = ctx.engine;
  if (input.kind === "upload") {
    const name = input.file.filename || undefined;
    const mime = kind === "document" ? documentMimeType(name, input.file.contentType) : defaultMime(kind, input.file.contentType);
    return files.add({ botId: ctx.bot.id, kind, data: input.file.data, ...(name ? { file_name: name } : {}), ...(mime ? { mime_type: mime } : {}) });
  }
  const known = files.get(input.value, ctx.bot.id);
  if (known) {
    if (known.kind !== kind && !(kind === "document" && known.kind !== "photo")) throw badRequest("type of file mismatch");
    return known;
  }
  if (!/^https?:\/\/[^\s/]+/i.test(input.value)) throw apiError("wrongFileId");
  const fromUrl = /\/([^/?#]+\.[A-Za-z0-9]{1,8})(?:[?#]|$)/.exec(input.value)?.[1];
  return files.add({ botId: ctx.bot.id, kind, data: null, url: input.value, ...(fromUrl && kind === "document" ? { file_name: decodeURIComponent(fromUrl) } : {}) });
}

function defaultMime(kind: FileKind, partType: string): string | undefined {
  switch (kind) {
    case "video":
    case "animation":
      return "video/mp4";
    case "audio":
      return partType && partType !== "application/octet-stream" ? partType : "audio/mpeg";
    case "voice":
      return "audio/ogg";
    default:
      return undefined;
  }
}

/**
 * The PhotoSize list a photo makes (90, 320 and 800 px), remembered by every size's id. The sandbox
 * does not resize: every size is the original file (same bytes and `file_size`).
 */
function photoSizes(ctx: MethodContext, input: InputFile): PhotoSize[] {
  const { engine } = ctx;
  if (input.kind === "remote") {
    const known = engine.files.photoSizes(input.value, ctx.bot.id);
    if (known) return known;
    if (engine.files.get(input.value, ctx.bot.id)) throw badRequest("type of file mismatch");
  }
  const original = resolveFile(ctx, input, "photo");
  const sizes: PhotoSize[] = [90, 320, 800].map((side, i) => {
    const f = i === 2 ? original : engine.files.add({ botId: ctx.bot.id, kind: "photo", data: original.data, ...(original.url ? { url: original.url } : {}), nominalSize: original.file_size });
    return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, width: side, height: side };
  });
  engine.files.setPhotoSizes(sizes);
  return sizes;
}

/** The Message field of each kind, built from the stored file and the method's (or an InputMedia's) fields. */
function mediaContent(arg: (name: string) => string, kind: Exclude<FileKind, "photo" | "video_note">, file: StoredFile): Partial<Message> {
  const int = (name: string): number => Math.max(0, toInteger(arg(name)));
  const base = { file_id: file.file_id, file_unique_id: file.file_unique_id };
  const named = { ...(file.file_name ? { file_name: file.file_name } : {}), ...(file.mime_type ? { mime_type: file.mime_type } : {}), file_size: file.file_size };
  const duration = int("duration");
  switch (kind) {
    case "document":
      return { document: { ...base, ...named } };
    case "video":
      return { video: { ...base, width: int("width"), height: int("height"), duration, ...named } };
    case "animation": {
      const animation = { ...base, width: int("width"), height: int("height"), duration, ...named };
      // Bot API docs (Message.animation): "for backward compatibility, when this field is set, the document field will also be set".
      return { animation, document: { ...base, ...named } };
    }
    case "audio": {
      const performer = arg("performer");
      const title = arg("title");
      return { audio: { ...base, duration, ...(performer ? { performer } : {}), ...(title ? { title } : {}), ...named } };
    }
    case "voice":
      return { voice: { ...base, duration, ...(file.mime_type ? { mime_type: file.mime_type } : {}), file_size: file.file_size } };
    case "sticker": {
      const emoji = arg("emoji");
      return { sticker: { ...base, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, ...(emoji ? { emoji } : {}), file_size: file.file_size } };
    }
  }
}

/** One media-sending method for `kind` (the Bot API's `send<Kind>`); stickers take no caption. */
function sendMediaMethod(kind: Exclude<FileKind, "video_note">, method: string) {
  return (ctx: MethodContext): unknown => {
    const { params } = ctx;
    const input = inputFile(ctx, kind);
    if (!input) throw badRequest(`There is no ${kind} in the request`);
    const withCaption = kind !== "sticker";
    const caption = withCaption ? formatted(ctx, params.arg("caption"), params.arg("parse_mode"), params.arg("caption_entities")) : { text: "", entities: [] };
    const reply = replyParameters(ctx);
    const markup = replyMarkup(ctx);
    const chat = targetChat(ctx);
    const replyTo = findReply(ctx.bot, chat, reply, ctx);
    const content: Partial<Message> = kind === "photo" ? { photo: photoSizes(ctx, input) } : mediaContent((n) => params.arg(n), kind, resolveFile(ctx, input, kind));
    if (textLength(caption.text) > MAX_CAPTION_LENGTH) throw apiError("captionTooLong");
    checkFlood(ctx, chat);
    if (caption.text !== "") {
      content.caption = caption.text;
      if (caption.entities.length > 0) content.caption_entities = caption.entities;
    }
    return createOutgoing(ctx, method, chat, replyTo, content, markup);
  };
}

export const sendPhoto = sendMediaMethod("photo", "sendPhoto");
export const sendDocument = sendMediaMethod("document", "sendDocument");
export const sendVideo = sendMediaMethod("video", "sendVideo");
export const sendAnimation = sendMediaMethod("animation", "sendAnimation");
export const sendAudio = sendMediaMethod("audio", "sendAudio");
export const sendVoice = sendMediaMethod("voice", "sendVoice");
export const sendSticker = sendMediaMethod("sticker", "sendSticker");

const ALBUM_TYPES = new Set(["photo", "video", "audio", "document"]);

/**
 * sendMediaGroup (Client.cpp `process_send_media_group_query`, `get_input_message_contents`,
 * `get_input_media`): `media` is required (`Parameter "media" is required`), JSON ("Can't parse media
 * JSON object"), an array ("Expected an Array of InputMedia") of 2–10 InputMedia of type photo,
 * video, audio or document ("Can't parse InputMedia: type \"x\" is unsupported"; a missing file is
 * "Can't parse InputMedia: media not found"); documents and audio go only with their own type
 * (Bot API docs, sendMediaGroup). The count and mixing errors are the sandbox's wording (Telegram's
 * is not observed). Answers the messages, which share a `media_group_id`.
 */
export function sendMediaGroup(ctx: MethodContext): unknown {
  const { params } = ctx;
  const raw = params.arg("media");
  if (raw === "") throw badRequest('Parameter "media" is required');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest("Can't parse media JSON object");
  }
  if (!Array.isArray(value)) throw badRequest("Expected an Array of InputMedia");
  const items = value.map((v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw badRequest("Can't parse InputMedia: expected an Object");
    const o = v as Record<string, unknown>;
    const str = (name: string): string => (typeof o[name] === "string" ? (o[name] as string) : typeof o[name] === "number" ? String(o[name]) : "");
    if (!("type" in o)) throw badRequest('Can\'t parse InputMedia: Can\'t find field "type"');
    const type = str("type");
    if (!ALBUM_TYPES.has(type)) throw badRequest(`Can't parse InputMedia: type "${type}" is unsupported`);
    const media = str("media");
    const input: InputFile | null = media.startsWith("attach://")
      ? ((f) => (f ? { kind: "upload" as const, file: f } : null))(params.file(media.slice("attach://".length)))
      : media !== ""
        ? { kind: "remote", value: media }
        : null;
    if (!input) throw badRequest("Can't parse InputMedia: media not found");
    return { type: type as "photo" | "video" | "audio" | "document", input, str, caption: formatted(ctx, str("caption"), str("parse_mode"), typeof o.caption_entities === "string" ? o.caption_entities : o.caption_entities === undefined ? "" : JSON.stringify(o.caption_entities)) };
  });
  if (items.length < 2 || items.length > 10) throw badRequest("media must include 2-10 items");
  const kinds = new Set(items.map((i) => i.type));
  if ((kinds.has("document") || kinds.has("audio")) && kinds.size > 1) throw badRequest("documents and audio files can be only grouped in an album with messages of the same type");
  const reply = replyParameters(ctx);
  const chat = targetChat(ctx);
  const replyTo = findReply(ctx.bot, chat, reply, ctx);
  for (const i of items) if (textLength(i.caption.text) > MAX_CAPTION_LENGTH) throw apiError("captionTooLong");
  const contents = items.map((i): Partial<Message> => (i.type === "photo" ? { photo: photoSizes(ctx, i.input) } : mediaContent(i.str, i.type, resolveFile(ctx, i.input, i.type))));
  checkFlood(ctx, chat);
  const groupId = String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
  const messages = contents.map((content, n) => {
    const caption = items[n]!.caption;
    if (caption.text !== "") {
      content.caption = caption.text;
      if (caption.entities.length > 0) content.caption_entities = caption.entities;
    }
    content.media_group_id = groupId;
    return createOutgoing(ctx, "sendMediaGroup", chat, n === 0 ? replyTo : null, content, {});
  });
  return messages;
}
