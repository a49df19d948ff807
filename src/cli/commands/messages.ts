import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import type { SentMessage } from "../../core/connector.js";
import type { OutboundContent } from "../../core/messages.js";
import { seg } from "../client.js";
import { contextOf, type CliIo } from "../context.js";
import { UsageError } from "../errors.js";
import { formatTime, sanitize } from "../output.js";

interface SendOptions {
  to: string;
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
 * `send` takes exactly one of --text, --location, --vcard, --file, --url; --file and --url are read
 * but refused by gateways that do not send media yet (422 NOT_SUPPORTED, exit 1).
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
    .option("--file <path>", "a file to send (media)")
    .option("--url <url>", "a file the gateway fetches and sends (media)")
    .option("--reply-to <messageId>", "quote this message")
    .action(async (instance: string, opts: SendOptions, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const content = contentOf(opts);
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
  if (opts.url !== undefined) return { type: "document", media: { url: opts.url } };
  throw new UsageError("--file: sending files needs the gateway's media upload, which this version does not have yet; use --url for a file the gateway can fetch");
}
