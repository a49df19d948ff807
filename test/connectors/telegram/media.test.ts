/**
 * Media through the Telegram connector, end to end against the Bot API sandbox with grammY's `Api`
 * in the connector: a document uploaded to the gateway and an image given by URL are sent with
 * their bytes equal at Telegram's side; a user's document arrives as metadata and its bytes come
 * back through the gateway (getFile + the file download path) equal to what the user sent.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tgHarness, until, type TgHarness } from "./harness.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
let h: TgHarness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

let server: Server;
let base: string;
const picture = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 13) & 255));
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/cat.jpg") return res.writeHead(200, { "content-type": "image/jpeg" }).end(picture);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("telegram: media", () => {
  it("sends an uploaded document and an image by URL; Telegram holds the same bytes", async () => {
    h = await tgHarness({ sandbox: { flood: false } });
    const bot = h.sandbox.createBot();
    const user = h.sandbox.createUser({ first_name: "Ada" });
    await h.connectBot("media", bot.token);
    h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "send me the report" });
    await until(() => h!.received("media").length === 1);

    const report = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 255));
    const up = await h.gateway.uploadMedia("media", Readable.from([report.subarray(0, 100_000), report.subarray(100_000)]), { mimeType: "application/pdf", fileName: "report.pdf" });
    const doc = await h.gateway.send("media", { threadId: String(user.id), content: { type: "document", media: { mediaId: up.mediaId }, caption: "Q3 report" } });
    const img = await h.gateway.send("media", { threadId: String(user.id), content: { type: "image", media: { url: `${base}/cat.jpg` }, caption: "a cat" } });

    const sent = h.sandbox.sent(bot.id);
    const docMsg = sent.find((r) => r.method === "sendDocument")!.message!;
    expect(docMsg).toMatchObject({ message_id: Number(doc.messageId), caption: "Q3 report", document: { file_name: "report.pdf", mime_type: "application/pdf", file_size: report.length } });
    expect(sha256(h.sandbox.fileContent(bot.id, docMsg.document!.file_id).data)).toBe(sha256(report));
    const imgMsg = sent.find((r) => r.method === "sendPhoto")!.message!;
    expect(imgMsg).toMatchObject({ message_id: Number(img.messageId), caption: "a cat" });
    expect(sha256(h.sandbox.fileContent(bot.id, imgMsg.photo!.at(-1)!.file_id).data)).toBe(sha256(picture));

    const events = h.events.filter((e) => e.type === "message.sent" && e.instance === "media").map((e) => e.data as { content: { type: string; media?: { mediaId: string; size: number } } });
    expect(events.map((d) => [d.content.type, d.content.media?.size])).toEqual([
      ["document", report.length],
      ["image", picture.length],
    ]);
    expect(events[0]!.content.media?.mediaId).toBe(up.mediaId);
  });

  it("a user's document arrives as metadata; its bytes come back through the gateway unchanged", async () => {
    h = await tgHarness({ sandbox: { flood: false } });
    const bot = h.sandbox.createBot();
    const user = h.sandbox.createUser({ first_name: "Grace", username: "grace" });
    await h.connectBot("inbox", bot.token);
    const scan = Buffer.from("%PDF-1.7\n" + "x".repeat(50_000));
    h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, document: { data: scan.toString("base64"), file_name: "scan.pdf", mime_type: "application/pdf" }, caption: "my scan" });
    const [ev] = await until(() => (h!.received("inbox").length === 1 ? h!.received("inbox") : null));
    expect(ev!.data).toMatchObject({ body: "my scan", sender: { name: "Grace", username: "grace" }, content: { type: "document", fileName: "scan.pdf", caption: "my scan", media: { mimeType: "application/pdf", size: scan.length, fileName: "scan.pdf" } } });
    const mediaId = (ev!.data.content as { media: { mediaId: string } }).media.mediaId;
    const got = await h.gateway.fetchMedia("inbox", mediaId);
    const parts: Buffer[] = [];
    for await (const c of got.stream) parts.push(c as Buffer);
    expect(sha256(Buffer.concat(parts))).toBe(sha256(scan));
    expect(got).toMatchObject({ mimeType: "application/pdf", size: scan.length });
    await expect(h.gateway.fetchMedia("inbox", "not-a-file-id")).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Nothing of the file is in the events or the stored data.
    expect(JSON.stringify(h.events)).not.toContain(scan.subarray(0, 30).toString("base64"));
  });
});
