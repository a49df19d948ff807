/**
 * The files of the sandbox: what bots uploaded and users sent, by `file_id`, for resending by id,
 * `getFile` and the download path `/file/bot<token>/<file_path>` (Bot API docs: "Sending files",
 * getFile, File; tdlib/telegram-bot-api Client.cpp `json_store_file`, `do_get_file`).
 *
 * Rules kept here:
 * - a `file_id` names one file and its kind; it can be sent again (as the same kind of media);
 *   `file_unique_id` is stable per file;
 * - `file_path` is relative to the bot's directory ("documents/file_3.pdf"), as the cloud server
 *   answers it; on the cloud profile a file over 20 MB has no path and getFile answers
 *   "file is too big" (`MAX_DOWNLOAD_FILE_SIZE`);
 * - a file sent by HTTP URL is not fetched by the sandbox: it has no bytes, and its download answers
 *   404 saying so (the real server downloads it, up to 5 MB for photos and 20 MB for other files);
 * - the store is bounded ({@link MAX_KEPT_FILES} files, {@link MAX_KEPT_FILE_BYTES} bytes, oldest
 *   forgotten first): a forgotten `file_id` is "invalid file_id" / "wrong file identifier".
 */
import { randomBytes } from "node:crypto";
import type { PhotoSize } from "./objects.js";

/** The kinds of file a message can carry, with their `file_path` folder. */
export const FILE_KINDS = {
  photo: "photos",
  document: "documents",
  video: "videos",
  audio: "music",
  voice: "voice",
  sticker: "stickers",
  animation: "animations",
  video_note: "video_notes",
} as const;
export type FileKind = keyof typeof FILE_KINDS;

/** The Bot API's download limit of the cloud server (Client.h `MAX_DOWNLOAD_FILE_SIZE`), bytes. */
export const MAX_DOWNLOAD_FILE_SIZE = 20 << 20;
/** Files kept per sandbox; the oldest are forgotten first. */
export const MAX_KEPT_FILES = 2_000;
/** Bytes of file content kept per sandbox; the oldest files are forgotten first. */
export const MAX_KEPT_FILE_BYTES = 512 * 1024 * 1024;

/** `file_id` prefixes of Telegram's own ids, by kind (opaque to clients; they make the ids look familiar). */
const ID_PREFIX: Record<FileKind, string> = {
  photo: "AgACAgIAAxkBAAI",
  document: "BQACAgIAAxkBAAI",
  video: "BAACAgIAAxkBAAI",
  audio: "CQACAgIAAxkBAAI",
  voice: "AwACAgIAAxkBAAI",
  sticker: "CAACAgIAAxkBAAI",
  animation: "CgACAgIAAxkBAAI",
  video_note: "DQACAgIAAxkBAAI",
};

export interface StoredFile {
  /** The bot the file belongs to: a file_id works only for the bot that received or sent it (Bot API docs, "Sending files"). */
  botId: number;
  file_id: string;
  file_unique_id: string;
  kind: FileKind;
  /** The content; null for a file sent by URL (not fetched). */
  data: Buffer | null;
  /** Bytes (for a URL file: a nominal size). */
  file_size: number;
  file_name?: string;
  mime_type?: string;
  /** Relative to the bot's directory: "<folder>/file_<n>.<ext>". */
  file_path: string;
  /** The URL a URL file came from. */
  url?: string;
}

export interface NewFile {
  botId: number;
  kind: FileKind;
  data: Buffer | null;
  file_name?: string;
  mime_type?: string;
  url?: string;
  /** Size for a URL file (bytes). */
  nominalSize?: number;
}

export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  /** A photo's sizes, by the file_id of each size. */
  private readonly photoSets = new Map<string, PhotoSize[]>();
  private bytes = 0;
  private next = 0;

  /** Stores a new file and answers it (ids fresh, path by kind and name). */
  add(input: NewFile): StoredFile {
    const n = this.next++;
    const ext = extension(input.file_name, input.mime_type, input.kind);
    const file: StoredFile = {
      botId: input.botId,
      file_id: ID_PREFIX[input.kind] + randomBytes(36).toString("base64url"),
      file_unique_id: "AgAD" + randomBytes(9).toString("base64url"),
      kind: input.kind,
      data: input.data,
      file_size: input.data ? input.data.length : (input.nominalSize ?? 48_000),
      file_path: `${FILE_KINDS[input.kind]}/file_${n}${ext}`,
      ...(input.file_name ? { file_name: input.file_name } : {}),
      ...(input.mime_type ? { mime_type: input.mime_type } : {}),
      ...(input.url ? { url: input.url } : {}),
    };
    this.byId.set(file.file_id, file);
    this.byPath.set(`${file.botId}/${file.file_path}`, file);
    this.bytes += input.data?.length ?? 0;
    this.evict();
    return file;
  }

  /** The file `fileId` names for bot `botId`, if the sandbox still keeps it. */
  get(fileId: string, botId: number): StoredFile | undefined {
    const f = this.byId.get(fileId);
    return f && f.botId === botId ? f : undefined;
  }

  /** Remembers the sizes of one photo under each size's file_id. */
  setPhotoSizes(sizes: PhotoSize[]): void {
    for (const s of sizes) this.photoSets.set(s.file_id, sizes);
  }

  /** The sizes of the photo one of whose sizes `fileId` is (for bot `botId`). */
  photoSizes(fileId: string, botId: number): PhotoSize[] | undefined {
    return this.get(fileId, botId) ? this.photoSets.get(fileId) : undefined;
  }

  /** The file of bot `botId` at `filePath` (a getFile answer's `file_path`). */
  atPath(filePath: string, botId: number): StoredFile | undefined {
    const f = this.byPath.get(`${botId}/${filePath}`);
    return f && f.botId === botId ? f : undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  private evict(): void {
    for (const [id, f] of this.byId) {
      if (this.byId.size <= MAX_KEPT_FILES && this.bytes <= MAX_KEPT_FILE_BYTES) break;
      this.byId.delete(id);
      this.byPath.delete(`${f.botId}/${f.file_path}`);
      this.photoSets.delete(id);
      this.bytes -= f.data?.length ?? 0;
    }
  }
}

const EXT_BY_MIME: Record<string, string> = {
  "image/jpeg": ".jpg",
  "image/png": ".png",
  "image/webp": ".webp",
  "image/gif": ".gif",
  "video/mp4": ".mp4",
  "audio/mpeg": ".mp3",
  "audio/ogg": ".oga",
  "application/pdf": ".pdf",
  "text/plain": ".txt",
};
const EXT_BY_KIND: Record<FileKind, string> = {
  photo: ".jpg",
  document: "",
  video: ".mp4",
  audio: ".mp3",
  voice: ".oga",
  sticker: ".webp",
  animation: ".mp4",
  video_note: ".mp4",
};

function extension(fileName: string | undefined, mimeType: string | undefined, kind: FileKind): string {
  if (kind !== "document") return EXT_BY_KIND[kind];
  const fromName = fileName ? /\.[A-Za-z0-9]{1,8}$/.exec(fileName)?.[0] : undefined;
  return (fromName ?? (mimeType ? EXT_BY_MIME[mimeType] : undefined) ?? "").toLowerCase();
}

const MIME_BY_EXT: Record<string, string> = Object.fromEntries(Object.entries(EXT_BY_MIME).map(([m, e]) => [e, m]));

/**
 * The MIME type TDLib gives an uploaded document: from the file name's extension, else the part's
 * own content type when it is not the generic `application/octet-stream`, else none.
 */
export function documentMimeType(fileName: string | undefined, partType: string | undefined): string | undefined {
  const ext = fileName ? /\.[A-Za-z0-9]{1,8}$/.exec(fileName)?.[0]?.toLowerCase() : undefined;
  if (ext && MIME_BY_EXT[ext]) return MIME_BY_EXT[ext];
  if (ext === ".jpeg") return "image/jpeg";
  if (partType && partType !== "application/octet-stream") return partType.split(";")[0]!.trim();
  return undefined;
}
