/**
 * Outbound media of a send, resolved before the connector sees it: `{mediaId}` is a prior upload of
 * the instance (uploads.ts); `{url}` is fetched through the SSRF guard (fetch-url.ts) into a
 * temporary upload, so that the connector gets a size, a MIME type and a stream it can open again.
 *
 * Checks: the file is at most the platform's `maxMediaBytes` (413 `file_too_large`), and its MIME
 * type fits the content type (`image/*`, `video/*`, `audio/*` for audio and voice; a sticker is
 * `image/webp`, `application/x-tgsticker` or `video/webm`; any for document), else 400 naming both.
 */
import { err } from "../core/errors.js";
import type { MediaContent, MediaSource, OutgoingMedia } from "../core/messages.js";
import type { UrlGuard } from "../net/url-guard.js";
import { fetchMediaUrl } from "./fetch-url.js";
import type { MediaUploads, UploadRecord } from "./uploads.js";

export interface MediaResolverDeps {
  uploads: MediaUploads;
  guard: UrlGuard;
}

/** A resolved media content, and what to remove once it was sent (the temporary copy of a URL). */
export interface ResolvedMedia {
  content: MediaContent<OutgoingMedia>;
  /** Removes a temporary copy (a fetched URL); a no-op for an upload the caller made. Never throws. */
  release(): Promise<void>;
}

const MIME_PREFIX: Partial<Record<MediaContent<MediaSource>["type"], string>> = { image: "image/", video: "video/", audio: "audio/", voice: "audio/" };
/** Stickers: static WEBP, animated TGS, video WEBM (Bot API docs, sendSticker; WhatsApp: WEBP). */
const STICKER_TYPES = new Set(["image/webp", "application/x-tgsticker", "video/webm"]);

/**
 * @throws {SwitchboardError} `VALIDATION_FAILED` (unknown or expired `mediaId`; a MIME type that does
 *   not fit; the URL's answer), 413 `file_too_large`, `URL_REFUSED`, `TIMEOUT`, `STORAGE_FAILED`.
 */
export async function resolveMedia(deps: MediaResolverDeps, instanceId: string, content: MediaContent<MediaSource>, limitBytes: number): Promise<ResolvedMedia> {
  let record: UploadRecord | null;
  let temporary = false;
  if ("mediaId" in content.media) {
    record = await deps.uploads.get(instanceId, content.media.mediaId);
    if (!record) {
      throw err("VALIDATION_FAILED", {
        message: "No upload of this instance has that mediaId (or it expired): upload the file again with POST /v1/instances/:name/media.",
        details: { issues: [{ path: "body.content.media.mediaId", message: "Unknown or expired upload" }] },
      });
    }
    if (record.size > limitBytes) throw tooLarge(limitBytes);
  } else {
    const fetched = await fetchMediaUrl(deps.guard, content.media.url, "body.content.media.url");
    if (fetched.length !== undefined && fetched.length > limitBytes) {
      fetched.body.destroy();
      throw tooLarge(limitBytes);
    }
    record = await deps.uploads.put(instanceId, fetched.body, { mimeType: fetched.mimeType, ...(fetched.fileName ? { fileName: fetched.fileName } : {}) }, limitBytes);
    temporary = true;
  }
  const prefix = content.type === "sticker" ? undefined : MIME_PREFIX[content.type];
  if (content.type === "sticker" && !STICKER_TYPES.has(record.mimeType)) {
    if (temporary) await deps.uploads.remove(record).catch(() => {});
    throw err("VALIDATION_FAILED", {
      message: `A sticker must be image/webp, application/x-tgsticker or video/webm; the file is ${record.mimeType}.`,
      details: { issues: [{ path: "body.content.media", message: `Not a sticker type: ${record.mimeType}` }] },
    });
  }
  if (prefix && !record.mimeType.startsWith(prefix)) {
    if (temporary) await deps.uploads.remove(record).catch(() => {});
    throw err("VALIDATION_FAILED", {
      message: `${article(content.type)} ${content.type} must be ${prefix}*; the file is ${record.mimeType}.`,
      details: { issues: [{ path: "body.content.media", message: `Expected ${prefix}*, got ${record.mimeType}` }] },
    });
  }
  const r = record;
  const media: OutgoingMedia = {
    mimeType: r.mimeType,
    size: r.size,
    ...(r.fileName ? { fileName: r.fileName } : {}),
    open: () => deps.uploads.open(r),
  };
  const fileName = content.type === "document" ? (content.fileName ?? r.fileName) : undefined;
  return {
    content: { ...content, media, ...(fileName ? { fileName } : {}) } as MediaContent<OutgoingMedia>,
    release: async () => {
      if (temporary) await deps.uploads.remove(r).catch(() => {});
    },
  };
}

function tooLarge(limitBytes: number): Error {
  return err("VALIDATION_FAILED", {
    status: 413,
    message: `The file is larger than the ${Math.floor(limitBytes / 1024 / 1024)} MB the platform takes.`,
    details: { reason: "file_too_large", limitBytes },
  });
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "An" : "A";
}
