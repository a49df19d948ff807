/**
 * The message model (DESIGN §3, issue 16): one discriminated union of contents for every platform,
 * the operations on a sent message, and what each platform declares it can do with them.
 *
 * - Outbound ({@link OutboundContent}): what a caller sends. Media comes `{url}` (fetched by the
 *   gateway through the SSRF guard) or `{mediaId}` (a prior upload); the gateway resolves it to a
 *   stream ({@link OutgoingMedia}) before the connector sees it ({@link SendContent}).
 * - Inbound ({@link ReceivedContent}): what an event carries. Media is metadata only
 *   ({@link ReceivedMedia}); its bytes are fetched on demand (`GET …/media/:mediaId`), never put in an
 *   event or a log.
 * - Support ({@link MessageSupport}): declared as data by each platform module; the gateway refuses
 *   what a platform lacks with `NOT_SUPPORTED` naming the platform and the content type or operation
 *   ({@link assertSupported}), never a silent downgrade.
 */
import type { Readable } from "node:stream";
import { err } from "./errors.js";

/** Every content type, in the order the docs list them. */
export const CONTENT_TYPES = ["text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "reaction"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** The content types that carry a file. */
export const MEDIA_TYPES = ["image", "video", "audio", "voice", "document", "sticker"] as const satisfies readonly ContentType[];
export type MediaType = (typeof MEDIA_TYPES)[number];

/** The media types that can have a caption (where the platform has one). */
export const CAPTIONED_TYPES = ["image", "video", "document"] as const satisfies readonly MediaType[];

/** Operations on messages besides sending one: quote a message, edit or delete one the instance sent. */
export const MESSAGE_OPERATIONS = ["reply", "edit", "delete"] as const;
export type MessageOperation = (typeof MESSAGE_OPERATIONS)[number];

/** Where outbound media comes from: a URL the gateway fetches, or an upload's id (`POST …/media`). */
export type MediaSource = { url: string } | { mediaId: string };

/** A location: degrees (WGS 84), an optional place name and address. */
export interface LocationContent {
  type: "location";
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

/** A contact card: a vCard 3.0 text, and the name to show. */
export interface ContactContent {
  type: "contact";
  vcard: string;
  displayName?: string;
}

/** An emoji on a message (`messageId`); an empty `emoji` removes the reaction. */
export interface ReactionContent {
  type: "reaction";
  messageId: string;
  emoji: string;
}

/** The text of a message. */
export interface TextContent {
  type: "text";
  text: string;
}

/** A media content with media of type `M` (a source when sending, metadata when received). */
export type MediaContent<M> =
  | { type: "image" | "video"; media: M; caption?: string }
  | { type: "document"; media: M; caption?: string; fileName?: string }
  | { type: "audio" | "voice" | "sticker"; media: M };

/** What a caller sends. */
export type OutboundContent = TextContent | MediaContent<MediaSource> | LocationContent | ContactContent | ReactionContent;

/**
 * Outbound media as the connector gets it: resolved and checked by the gateway (size limit, MIME
 * type), read as a stream, so that a large file is never held in memory whole.
 */
export interface OutgoingMedia {
  /** e.g. `image/jpeg`, `application/pdf`. */
  mimeType: string;
  /** Bytes. */
  size: number;
  fileName?: string;
  /** A fresh stream of the bytes; may be called more than once (a connector that retries opens it again). */
  open(): Readable;
}

/** What a connector sends: the content with its media resolved. */
export type SendContent = TextContent | MediaContent<OutgoingMedia> | LocationContent | ContactContent | ReactionContent;

/**
 * Inbound media metadata: what the platform told about the file. `mediaId` names it for
 * `GET /v1/instances/:name/media/:mediaId` (which fetches the bytes from the platform on demand).
 * Sizes in bytes, durations in seconds, dimensions in pixels.
 */
export interface ReceivedMedia {
  mediaId: string;
  mimeType?: string;
  size?: number;
  fileName?: string;
  /** Hex SHA-256 of the plain bytes, where the platform gives it (WhatsApp does; Telegram does not). */
  sha256?: string;
  width?: number;
  height?: number;
  durationS?: number;
}

/** A content the model does not cover (a poll, a game, a call): named by the platform's own type. */
export interface UnsupportedContent {
  type: "unsupported";
  /** The platform's name for it, e.g. `poll`, `pollCreationMessage`. */
  platformType: string;
}

/** What a received message carries. */
export type ReceivedContent = TextContent | MediaContent<ReceivedMedia> | LocationContent | ContactContent | ReactionContent | UnsupportedContent;

/**
 * What a platform does with messages, declared as data in its module (the docs' support table is
 * made from it). `send`/`receive` list content types; `operations` what the instance can do to
 * messages; `receipts` which delivery states reach `message.status`; `notes` say why something is
 * missing or how it differs (shown in the docs and in `NOT_SUPPORTED` details).
 */
export interface MessageSupport {
  send: readonly ContentType[];
  receive: readonly ContentType[];
  operations: readonly MessageOperation[];
  /** Delivery states the platform reports for sent messages. Empty: none (e.g. Telegram bots). */
  receipts: readonly ("delivered" | "read")[];
  /** Largest outbound media file, bytes. */
  maxMediaBytes: number;
  /** Why something is missing or differs, by content type, operation or `receipts`. */
  notes?: Readonly<Partial<Record<ContentType | MessageOperation | "receipts", string>>>;
}

/** A platform that sends and receives text only, with no operations (the default of a connector that declares nothing). */
export const TEXT_ONLY: MessageSupport = { send: ["text"], receive: ["text"], operations: [], receipts: [], maxMediaBytes: 0 };

/**
 * Refuses a content type or an operation the platform does not declare.
 * @throws {SwitchboardError} `NOT_SUPPORTED` (422) with `details: {platform, contentType | operation, note?}`.
 */
export function assertSupported(platform: string, support: MessageSupport, what: { contentType: ContentType } | { operation: MessageOperation }): void {
  if ("contentType" in what) {
    if (support.send.includes(what.contentType)) return;
    const note = support.notes?.[what.contentType];
    throw err("NOT_SUPPORTED", {
      message: `${platform} cannot send ${article(what.contentType)} ${what.contentType} message.${note ? ` ${note}` : ""}`,
      details: { platform, contentType: what.contentType, ...(note ? { note } : {}) },
    });
  }
  if (support.operations.includes(what.operation)) return;
  const note = support.notes?.[what.operation];
  throw err("NOT_SUPPORTED", {
    message: `${platform} cannot ${what.operation === "reply" ? "reply to (quote)" : what.operation} messages.${note ? ` ${note}` : ""}`,
    details: { platform, operation: what.operation, ...(note ? { note } : {}) },
  });
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

/** The text a content shows: its text or caption; "" for other contents (the `body` of events). */
export function bodyOf(content: OutboundContent | SendContent | ReceivedContent): string {
  if (content.type === "text") return content.text;
  if ("caption" in content && typeof content.caption === "string") return content.caption;
  return "";
}

/** True when the content carries a file. */
export function isMediaContent<C extends { type: string }>(content: C): content is Extract<C, { media: unknown }> {
  return (MEDIA_TYPES as readonly string[]).includes(content.type);
}
