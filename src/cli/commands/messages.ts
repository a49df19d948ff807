import { openAsBlob, readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { SentMessage } from "../../core/connector.js";
import type { OutboundContent } from "../../core/messages.js";
import { type ApiClient, seg } from "../client.js";
import { contextOf, type CliIo } from "../context.js";
import { UsageError } from "../errors.js";
import { formatTime, sanitize } from "../output.js";

interface SendOptions {
  to: string;
  as?: "image" | "video" | "audio" | "voice" | "document" | "sticker";
  caption?: string;
  text?: string;
  location?: { latitude: number; longitude: number };
  name?: string;
  vcard?: string;
  file?: string;
  url?: string;
  replyTo?: string;
}

/**
 * Registers `messages send|react|edit|delete` (POST/PATCH/DELETE /v1/instances/:name/messages…).
 * `send` takes exactly one of --text, --location, --vcard, --file, --url; a --file is uploaded first
 * (POST …/media, streamed from disk) and sent by its mediaId; its type comes from --as or the file's
 * extension (else document).
 */
export function registerMessages(program: Command, io: CliIo): void {
  const messages = program.command("messages").alias("message").description("send, react to, edit and delete messages");

  messages
    .command("send <instance>")
    .description("send a message (exactly one of --text, --location, --vcard, --file, --url)")
    .requiredOption("--to <thread>", "the chat: a Telegram chat id, a WhatsApp JID or phone number")
    .option("--text <text>", "a text message")
    .option("--location <lat,lon>", "a location, e.g. 48.8584,2.2945", parseLocation)
    .option("--name <name>", "with --location: the place's name")
    .option("--vcard <file>", "a contact card: a vCard file")
    .option("--file <path>", "a file to send: uploaded, then sent (media)")
    .option("--url <url>", "a file the gateway fetches and sends (media)")
    .addOption(new Option("--as <type>", "with --file or --url: the content type (default: from the file's extension, else document)").choices(["image", "video", "audio", "voice", "document", "sticker"]))
    .option("--caption <text>", "with --file or --url: a caption (image, video, document)")
    .option("--reply-to <messageId>", "quote this message")
    .action(async (instance: string, opts: SendOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      let content = contentOf(opts);
      if (opts.file !== undefined) {
        const uploaded = await uploadFile(ctx.client(), instance, opts.file);
        content = mediaContent(opts.as ?? typeOf(opts.file), { mediaId: uploaded.mediaId }, opts.caption, basename(opts.file));
      }
      const body = { threadId: opts.to, content, ...(opts.replyTo !== undefined ? { replyTo: opts.replyTo } : {}) };
      const res = await ctx.client().request<SentMessage>("POST", `/v1/instances/${seg(instance)}/messages`, { body });
      await ctx.emit(res, () => `sent ${sanitize(res.messageId)} to ${sanitize(res.threadId)} at ${formatTime(res.timestamp)}\n`);
    });

  messages
    .command("react <instance> <messageId> <emoji>")
    .description('react to a message with an emoji ("" removes the reaction)')
    .requiredOption("--to <thread>", "the chat of the message")
    .action(async (instance: string, messageId: string, emoji: string, opts: { to: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = { threadId: opts.to, content: { type: "reaction", messageId, emoji } };
      const res = await ctx.client().request<SentMessage>("POST", `/v1/instances/${seg(instance)}/messages`, { body });
      await ctx.emit(res, () => (emoji === "" ? `removed the reaction on ${sanitize(messageId)}\n` : `reacted ${sanitize(emoji)} to ${sanitize(messageId)}\n`));
    });

  messages
    .command("edit <instance> <messageId>")
    .description("replace the text (a media message: the caption) of a message the instance sent")
    .requiredOption("--to <thread>", "the chat of the message")
    .requiredOption("--text <text>", "the new text")
    .action(async (instance: string, messageId: string, opts: { to: string; text: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ messageId: string; timestamp: number }>("PATCH", `/v1/instances/${seg(instance)}/messages/${seg(messageId)}`, {
        body: { threadId: opts.to, text: opts.text },
      });
      await ctx.emit(res, () => `edited ${sanitize(res.messageId)} at ${formatTime(res.timestamp)}\n`);
    });

  messages
    .command("delete <instance> <messageId>")
    .description("delete a message for everyone")
    .requiredOption("--to <thread>", "the chat of the message")
    .action(async (instance: string, messageId: string, opts: { to: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ messageId: string; timestamp: number }>("DELETE", `/v1/instances/${seg(instance)}/messages/${seg(messageId)}`, {
        query: { threadId: opts.to },
      });
      await ctx.emit(res, () => `deleted ${sanitize(res.messageId)} for everyone\n`);
    });
}

/** `--location 48.85,2.29` → degrees. */
function parseLocation(value: string): { latitude: number; longitude: number } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  const latitude = Number(m?.[1]);
  const longitude = Number(m?.[2]);
  if (!m || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw new InvalidArgumentError("must be latitude,longitude in degrees (e.g. 48.8584,2.2945).");
  return { latitude, longitude };
}

/** The content of `send` from its options. @throws {UsageError} unless exactly one kind is given. */
function contentOf(opts: SendOptions): OutboundContent {
  const given = (["text", "location", "vcard", "file", "url"] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) throw new UsageError(`give exactly one of --text, --location, --vcard, --file, --url${given.length ? ` (got ${given.map((g) => `--${g}`).join(", ")})` : ""}`);
  if (opts.name !== undefined && opts.location === undefined) throw new UsageError("--name goes with --location");
  if ((opts.as !== undefined || opts.caption !== undefined) && opts.file === undefined && opts.url === undefined) throw new UsageError("--as and --caption go with --file or --url");
  if (opts.text !== undefined) return { type: "text", text: opts.text };
  if (opts.location !== undefined) return { type: "location", ...opts.location, ...(opts.name !== undefined ? { name: opts.name } : {}) };
  if (opts.vcard !== undefined) {
    let vcard: string;
    try {
      vcard = readFileSync(opts.vcard, "utf8");
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new UsageError(`--vcard: cannot read ${opts.vcard}${typeof code === "string" ? ` (${code})` : ""}`);
    }
    return { type: "contact", vcard };
  }
  if (opts.url !== undefined) return mediaContent(opts.as ?? typeOf(new URL(opts.url).pathname), { url: opts.url }, opts.caption);
  // --file: uploaded by the action first.
  return { type: "text", text: "" };
}

type MediaKind = "image" | "video" | "audio" | "voice" | "document" | "sticker";

/** The media content of `kind` with `media`; a caption only where the kind has one. @throws {UsageError}. */
function mediaContent(kind: MediaKind, media: { url: string } | { mediaId: string }, caption: string | undefined, fileName?: string): OutboundContent {
  if (caption !== undefined && kind !== "image" && kind !== "video" && kind !== "document") throw new UsageError(`--caption: a ${kind} has no caption`);
  const c = caption !== undefined ? { caption } : {};
  if (kind === "document") return { type: "document", media, ...c, ...(fileName ? { fileName } : {}) };
  if (kind === "image" || kind === "video") return { type: kind, media, ...c };
  return { type: kind, media };
}

const TYPES_BY_EXTENSION: Record<string, { kind: MediaKind; mime: string }> = {
  ".jpg": { kind: "image", mime: "image/jpeg" },
  ".jpeg": { kind: "image", mime: "image/jpeg" },
  ".png": { kind: "image", mime: "image/png" },
  ".gif": { kind: "image", mime: "image/gif" },
  ".webp": { kind: "sticker", mime: "image/webp" },
  ".mp4": { kind: "video", mime: "video/mp4" },
  ".mov": { kind: "video", mime: "video/quicktime" },
  ".mp3": { kind: "audio", mime: "audio/mpeg" },
  ".m4a": { kind: "audio", mime: "audio/mp4" },
  ".ogg": { kind: "voice", mime: "audio/ogg" },
  ".oga": { kind: "voice", mime: "audio/ogg" },
  ".opus": { kind: "voice", mime: "audio/ogg" },
  ".pdf": { kind: "document", mime: "application/pdf" },
  ".txt": { kind: "document", mime: "text/plain" },
  ".zip": { kind: "document", mime: "application/zip" },
};

function typeOf(path: string): MediaKind {
  return TYPES_BY_EXTENSION[extname(path).toLowerCase()]?.kind ?? "document";
}

/** Uploads `path` (streamed from disk: `openAsBlob` does not read it whole) and answers the upload. */
async function uploadFile(client: ApiClient, instance: string, path: string): Promise<{ mediaId: string }> {
  const mime = TYPES_BY_EXTENSION[extname(path).toLowerCase()]?.mime ?? "application/octet-stream";
  let blob: Blob;
  try {
    blob = await openAsBlob(path, { type: mime });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new UsageError(`--file: cannot read ${path}${typeof code === "string" ? ` (${code})` : ""}`);
  }
  const form = new FormData();
  form.append("file", blob, basename(path));
  return client.request<{ mediaId: string }>("POST", `/v1/instances/${seg(instance)}/media`, { form, timeoutMs: 600_000 });
}
