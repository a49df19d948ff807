/**
 * Media uploads and the resolution of outbound media (src/media): streamed to disk with a size
 * limit that leaves nothing behind, per-instance ids, expiry; URLs fetched through the SSRF guard
 * (a private address refused unless allowed, redirects checked, non-2xx and oversize answers
 * refused), MIME types checked against the content type.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveMedia } from "../../src/media/resolve.js";
import { MediaUploads } from "../../src/media/uploads.js";
import { UrlGuard } from "../../src/net/url-guard.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const chunks = (total: number, size = 64 * 1024): Readable =>
  Readable.from(
    (function* () {
      for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
    })(),
  );
const readAll = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

let dir: string;
let now = Date.UTC(2026, 11, 6);
let uploads: MediaUploads;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): MediaUploads => {
  dir = mkdtempSync(join(tmpdir(), "sb-media-"));
  return (uploads = new MediaUploads({ dir, ttlMs: 60_000, now: () => now }));
};

describe("MediaUploads", () => {
  it("stores a stream with its size and hash; only the instance's own, unexpired upload is found", async () => {
    fresh();
    const bytes = await readAll(chunks(1_000_000));
    const r = await uploads.put("ins_a", chunks(1_000_000), { mimeType: "application/pdf", fileName: "a.pdf" }, 2_000_000);
    expect(r).toMatchObject({ instanceId: "ins_a", mimeType: "application/pdf", size: 1_000_000, fileName: "a.pdf", sha256: sha256(bytes) });
    expect(r.mediaId).toMatch(/^med_[A-Za-z0-9_-]{24}$/);
    expect(await uploads.get("ins_a", r.mediaId)).toEqual(r);
    expect(sha256(await readAll(uploads.open(r)))).toBe(sha256(bytes));
    expect(await uploads.get("ins_b", r.mediaId)).toBeNull();
    expect(await uploads.get("ins_a", "../../etc/passwd")).toBeNull();
    now += 61_000;
    expect(await uploads.get("ins_a", r.mediaId)).toBeNull();
    expect(await uploads.sweep()).toBe(1);
    expect(readdirSync(join(dir, "ins_a"))).toEqual([]);
  });

  it("refuses a file over the limit with 413 and leaves nothing of it; refuses an empty file", async () => {
    fresh();
    await expect(uploads.put("ins_a", chunks(3_000_000), { mimeType: "video/mp4" }, 1_000_000)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      status: 413,
      details: { reason: "file_too_large", limitBytes: 1_000_000 },
    });
    expect(readdirSync(join(dir, "ins_a"))).toEqual([]);
    await expect(uploads.put("ins_a", Readable.from([]), { mimeType: "video/mp4" }, 1_000_000)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await uploads.removeInstance("ins_a");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("resolveMedia", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/cat.jpg") return res.writeHead(200, { "content-type": "image/jpeg" }).end(Buffer.alloc(5000, 1));
      if (req.url === "/report") return res.writeHead(200, { "content-type": "application/pdf; charset=binary", "content-disposition": 'attachment; filename="Q3 report.pdf"' }).end(Buffer.alloc(100, 2));
      if (req.url === "/moved") return res.writeHead(302, { location: "/cat.jpg" }).end();
      if (req.url === "/huge") return res.writeHead(200, { "content-type": "video/mp4", "content-length": String(50_000_000) }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("fetches a URL into a temporary upload (following a redirect), checks the MIME type, and releases the copy", async () => {
    fresh();
    const deps = { uploads, guard: new UrlGuard({ allowPrivate: true }) };
    const img = await resolveMedia(deps, "ins_a", { type: "image", media: { url: `${base}/moved` }, caption: "a cat" }, 1_000_000);
    expect(img.content).toMatchObject({ type: "image", caption: "a cat", media: { mimeType: "image/jpeg", size: 5000 } });
    expect((await readAll((img.content.media as { open(): Readable }).open())).length).toBe(5000);
    await img.release();
    expect(readdirSync(join(dir, "ins_a"))).toEqual([]);

    const doc = await resolveMedia(deps, "ins_a", { type: "document", media: { url: `${base}/report` } }, 1_000_000);
    expect(doc.content).toMatchObject({ type: "document", fileName: "Q3 report.pdf", media: { mimeType: "application/pdf", size: 100 } });
    await doc.release();

    await expect(resolveMedia(deps, "ins_a", { type: "video", media: { url: `${base}/cat.jpg` } }, 1_000_000)).rejects.toMatchObject({ code: "VALIDATION_FAILED", message: "A video must be video/*; the file is image/jpeg." });
    expect(readdirSync(join(dir, "ins_a"))).toEqual([]);
    await expect(resolveMedia(deps, "ins_a", { type: "video", media: { url: `${base}/huge` } }, 1_000_000)).rejects.toMatchObject({ status: 413 });
    await expect(resolveMedia(deps, "ins_a", { type: "image", media: { url: `${base}/missing.png` } }, 1_000_000)).rejects.toMatchObject({ code: "VALIDATION_FAILED", details: { status: 404 } });
    await expect(resolveMedia(deps, "ins_a", { type: "image", media: { mediaId: "med_AAAAAAAAAAAAAAAAAAAAAAAA" } }, 1_000_000)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("refuses a private address when the guard does not allow it, before any request", async () => {
    fresh();
    const deps = { uploads, guard: new UrlGuard({ allowPrivate: false }) };
    await expect(resolveMedia(deps, "ins_a", { type: "image", media: { url: `${base}/cat.jpg` } }, 1_000_000)).rejects.toMatchObject({ code: "URL_REFUSED" });
  });

  it("uses an upload by its mediaId, within the platform's limit", async () => {
    fresh();
    const deps = { uploads, guard: new UrlGuard({ allowPrivate: false }) };
    const up = await uploads.put("ins_a", chunks(10_000), { mimeType: "audio/ogg", fileName: "note.ogg" }, 1_000_000);
    const voice = await resolveMedia(deps, "ins_a", { type: "voice", media: { mediaId: up.mediaId } }, 1_000_000);
    expect(voice.content.media).toMatchObject({ mimeType: "audio/ogg", size: 10_000, fileName: "note.ogg" });
    await voice.release(); // an upload the caller made stays
    expect(await uploads.get("ins_a", up.mediaId)).not.toBeNull();
    await expect(resolveMedia(deps, "ins_a", { type: "voice", media: { mediaId: up.mediaId } }, 5_000)).rejects.toMatchObject({ status: 413 });
  });
});
