/**
 * Uploaded media waiting to be sent (`POST /v1/instances/:name/media`, then `{mediaId}` in a send):
 * one file per upload under `<dir>/<instanceId>/<mediaId>`, with a JSON sidecar of its metadata.
 *
 * Contracts:
 * - `put` streams the bytes to a temporary file (never the whole file in memory), hashing them as
 *   they pass; a file over its limit is refused with 413 and nothing of it is left on disk; the
 *   upload becomes visible (`get`) only once complete (an atomic rename of the sidecar last);
 * - an upload expires `ttlMs` after it was made; {@link sweep} removes expired ones, and the files of
 *   an instance go with it ({@link removeInstance});
 * - ids are random (`med_` + 24 base64url characters), so one instance cannot guess another's;
 *   `get` answers only the instance's own uploads.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { err } from "../core/errors.js";

/** What an upload is (the sidecar). Sizes in bytes, times epoch ms. */
export interface UploadRecord {
  mediaId: string;
  instanceId: string;
  mimeType: string;
  size: number;
  fileName?: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  createdAt: number;
  expiresAt: number;
}

export interface MediaUploadsOptions {
  /** The root directory (e.g. `<dataDir>/media/uploads`). */
  dir: string;
  /** How long an upload is kept, ms. Default 24 h. */
  ttlMs?: number;
  /** Epoch ms. */
  now?: () => number;
}

const MEDIA_ID = /^med_[A-Za-z0-9_-]{24}$/;

export class MediaUploads {
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: MediaUploadsOptions) {
    this.ttlMs = opts.ttlMs ?? 24 * 3600 * 1000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Stores `source` (read to its end) as an upload of `instanceId`.
   * @throws {SwitchboardError} `VALIDATION_FAILED` 413 (`details: {reason: "file_too_large", limitBytes}`) when it is larger
   *   than `limitBytes`, 400 when it is empty or the source fails (`upload_failed`); `STORAGE_FAILED` when the disk fails.
 *   Nothing is kept on failure.
   */
  async put(instanceId: string, source: Readable, meta: { mimeType: string; fileName?: string }, limitBytes: number): Promise<UploadRecord> {
    const mediaId = `med_${randomBytes(18).toString("base64url")}`;
    const dir = join(this.opts.dir, safeSegment(instanceId));
    const file = join(dir, mediaId);
    const partial = `${file}.part`;
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limitBytes) return done(tooLarge(limitBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // A failure of the source (a cut-off or malformed upload) is the caller's, not the disk's.
    let sourceFailed: unknown;
    source.once("error", (e) => (sourceFailed ??= e));
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await pipeline(source, meter, createWriteStream(partial, { mode: 0o600 }));
    } catch (e) {
      source.resume();
      await rm(partial, { force: true });
      if (isTooLarge(e)) throw e;
      if (sourceFailed !== undefined) {
        if ((sourceFailed as { statusCode?: unknown }).statusCode === 413) throw tooLarge(limitBytes);
        throw err("VALIDATION_FAILED", { message: "The upload was cut off or could not be read.", details: { reason: "upload_failed" }, cause: sourceFailed });
      }
      throw err("STORAGE_FAILED", { message: "The upload could not be stored.", cause: e });
    }
    if (size === 0) {
      await rm(partial, { force: true });
      throw err("VALIDATION_FAILED", { message: "The file is empty.", details: { issues: [{ path: "body.file", message: "Empty file" }] } });
    }
    const createdAt = this.now();
    const record: UploadRecord = {
      mediaId,
      instanceId,
      mimeType: meta.mimeType,
      size,
      ...(meta.fileName ? { fileName: meta.fileName } : {}),
      sha256: hash.digest("hex"),
      createdAt,
      expiresAt: createdAt + this.ttlMs,
    };
    try {
      await rename(partial, file);
      await writeFile(`${file}.json.part`, JSON.stringify(record), { mode: 0o600 });
      await rename(`${file}.json.part`, `${file}.json`);
    } catch (e) {
      await Promise.all([rm(partial, { force: true }), rm(file, { force: true }), rm(`${file}.json.part`, { force: true })]);
      throw err("STORAGE_FAILED", { message: "The upload could not be stored.", cause: e });
    }
    return record;
  }

  /** The upload `mediaId` of `instanceId`, or null (unknown, another instance's, or expired). Never throws. */
  async get(instanceId: string, mediaId: string): Promise<UploadRecord | null> {
    if (!MEDIA_ID.test(mediaId)) return null;
    try {
      const record = JSON.parse(await readFile(join(this.opts.dir, safeSegment(instanceId), `${mediaId}.json`), "utf8")) as UploadRecord;
      return record.instanceId === instanceId && record.expiresAt > this.now() ? record : null;
    } catch {
      return null;
    }
  }

  /** A fresh stream of an upload's bytes. */
  open(record: UploadRecord): Readable {
    return createReadStream(join(this.opts.dir, safeSegment(record.instanceId), record.mediaId));
  }

  /** Removes one upload. Idempotent. */
  async remove(record: Pick<UploadRecord, "instanceId" | "mediaId">): Promise<void> {
    const file = join(this.opts.dir, safeSegment(record.instanceId), record.mediaId);
    await Promise.all([rm(`${file}.json`, { force: true }), rm(file, { force: true })]);
  }

  /** Removes every upload of `instanceId` (the instance is deleted). Idempotent. */
  async removeInstance(instanceId: string): Promise<void> {
    await rm(join(this.opts.dir, safeSegment(instanceId)), { recursive: true, force: true });
  }

  /** Removes expired uploads and left-over partial files; answers how many uploads went. Never throws. */
  async sweep(): Promise<number> {
    let removed = 0;
    const now = this.now();
    const instances = await readdir(this.opts.dir).catch(() => [] as string[]);
    for (const inst of instances) {
      const dir = join(this.opts.dir, inst);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const path = join(dir, name);
        if (name.endsWith(".part")) {
          const s = await stat(path).catch(() => null);
          if (s && now - s.mtimeMs > this.ttlMs) await rm(path, { force: true });
          continue;
        }
        if (!name.endsWith(".json")) continue;
        const record = await readFile(path, "utf8").then((t) => JSON.parse(t) as UploadRecord, () => null);
        if (record && record.expiresAt > now) continue;
        await Promise.all([rm(path, { force: true }), rm(path.slice(0, -".json".length), { force: true })]);
        removed++;
      }
    }
    return removed;
  }
}

function tooLarge(limitBytes: number): Error {
  return err("VALIDATION_FAILED", {
    status: 413,
    message: `The file is larger than the ${Math.floor(limitBytes / 1024 / 1024)} MB this gateway accepts for this platform.`,
    details: { reason: "file_too_large", limitBytes },
  });
}

function isTooLarge(e: unknown): boolean {
  return (e as { details?: { reason?: unknown } } | null)?.details?.reason === "file_too_large";
}

/** An instance id as one path segment (ids are `ins_<uuid>`; anything else is encoded). */
function safeSegment(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : encodeURIComponent(id).replace(/\./g, "%2E");
}
