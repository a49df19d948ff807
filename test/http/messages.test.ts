/**
 * The message routes over the real gateway and the memory platform (text only, no operations):
 * `body` and `content` are alternatives; what the platform does not declare is 422 NOT_SUPPORTED
 * naming the platform and the content type or operation, before anything is sent; bad contents
 * are 400 with the field; the sent message leaves its `message.sent` event with its content.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { assertSupported, bodyOf, TEXT_ONLY } from "../../src/core/messages.js";
import { errorCode, httpHarness, type HttpHarness } from "../support/http-harness.js";

let h: HttpHarness;
afterEach(async () => {
  await h?.dispose();
});

describe("POST /v1/instances/:name/messages", () => {
  it("sends {content} and {body} alike; refuses both, neither, unknown types and what the platform lacks", async () => {
    h = await httpHarness();
    const token = await h.connectedInstance("bot");
    const send = (body: unknown) => h.request({ method: "POST", url: "/v1/instances/bot/messages", token, body });

    const a = await send({ threadId: "chat-1", content: { type: "text", text: "via content" } });
    expect(a.statusCode, a.body).toBe(200);
    expect((await send({ threadId: "chat-1", body: "via body" })).statusCode).toBe(200);
    expect(h.platform.sentBy[Object.keys(h.platform.sentBy)[0]!]).toEqual(["via content", "via body"]);
    const sentEvents = h.core.events.filter((e) => e.type === "message.sent").map((e) => e.data as { body: string; content?: unknown });
    expect(sentEvents.map((d) => [d.body, d.content])).toEqual([
      ["via content", { type: "text", text: "via content" }],
      ["via body", { type: "text", text: "via body" }],
    ]);

    const both = await send({ threadId: "chat-1", body: "x", content: { type: "text", text: "y" } });
    expect([both.statusCode, errorCode(both)]).toEqual([400, "VALIDATION_FAILED"]);
    expect((both.json() as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]!.path).toBe("body.content");
    const neither = await send({ threadId: "chat-1" });
    expect([neither.statusCode, errorCode(neither)]).toEqual([400, "VALIDATION_FAILED"]);
    const unknown = await send({ threadId: "chat-1", content: { type: "hologram", text: "x" } });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([400, "VALIDATION_FAILED"]);
    const badLocation = await send({ threadId: "chat-1", content: { type: "location", latitude: 123, longitude: 0 } });
    expect([badLocation.statusCode, errorCode(badLocation)]).toEqual([400, "VALIDATION_FAILED"]);

    const location = await send({ threadId: "chat-1", content: { type: "location", latitude: 1, longitude: 2 } });
    expect([location.statusCode, errorCode(location)]).toEqual([422, "NOT_SUPPORTED"]);
    expect((location.json() as { error: { message: string; details: unknown } }).error).toMatchObject({
      message: "memory cannot send a location message.",
      details: { platform: "memory", contentType: "location" },
    });
    const video = await send({ threadId: "chat-1", content: { type: "video", media: { url: "https://example.com/a.mp4" } } });
    expect([video.statusCode, (video.json() as { error: { details: unknown } }).error.details]).toEqual([422, { platform: "memory", contentType: "video" }]);
    // A media URL to a private address is refused by the SSRF guard before any request.
    const privateUrl = await send({ threadId: "chat-1", content: { type: "image", media: { url: "http://127.0.0.1:9/a.png" } } });
    expect([privateUrl.statusCode, errorCode(privateUrl)]).toEqual([400, "URL_REFUSED"]);
    const reply = await send({ threadId: "chat-1", body: "quoting", replyTo: "m1" });
    expect([reply.statusCode, (reply.json() as { error: { details: unknown } }).error.details]).toEqual([422, { platform: "memory", operation: "reply" }]);
    // Nothing of the refused ones was sent.
    expect(h.platform.sentBy[Object.keys(h.platform.sentBy)[0]!]).toHaveLength(2);
  });

  it("PATCH and DELETE of a message: NOT_SUPPORTED where the platform has no edit or delete; bad input is 400", async () => {
    h = await httpHarness();
    const token = await h.connectedInstance("bot");
    const edit = await h.request({ method: "PATCH", url: "/v1/instances/bot/messages/m1", token, body: { threadId: "chat-1", text: "new" } });
    expect([edit.statusCode, (edit.json() as { error: { details: unknown } }).error.details]).toEqual([422, { platform: "memory", operation: "edit" }]);
    const del = await h.request({ method: "DELETE", url: "/v1/instances/bot/messages/m1?threadId=chat-1", token });
    expect([del.statusCode, (del.json() as { error: { details: unknown } }).error.details]).toEqual([422, { platform: "memory", operation: "delete" }]);
    const noThread = await h.request({ method: "DELETE", url: "/v1/instances/bot/messages/m1", token });
    expect([noThread.statusCode, errorCode(noThread)]).toEqual([400, "VALIDATION_FAILED"]);
    const noText = await h.request({ method: "PATCH", url: "/v1/instances/bot/messages/m1", token, body: { threadId: "chat-1" } });
    expect([noText.statusCode, errorCode(noText)]).toEqual([400, "VALIDATION_FAILED"]);
  });
});

/** A multipart/form-data body with one file part. */
function multipart(name: string, type: string, bytes: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = "----switchboard-test-boundary";
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: ${type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

describe("POST /v1/instances/:name/media and sends by mediaId", () => {
  it("uploads a file (streamed), sends it by mediaId with a caption; the platform reads the same bytes", async () => {
    h = await httpHarness();
    const token = await h.connectedInstance("bot");
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) & 255));
    const up = await h.app.inject({ method: "POST", url: "/v1/instances/bot/media", headers: { authorization: `Bearer ${token}`, ...multipart("report.pdf", "application/pdf", bytes).headers }, payload: multipart("report.pdf", "application/pdf", bytes).payload });
    expect(up.statusCode, up.body).toBe(201);
    const media = up.json() as { mediaId: string; size: number; sha256: string; mimeType: string; fileName: string };
    expect(media).toMatchObject({ size: 300_000, mimeType: "application/pdf", fileName: "report.pdf", sha256: createHash("sha256").update(bytes).digest("hex") });
    const sent = await h.request({ method: "POST", url: "/v1/instances/bot/messages", token, body: { threadId: "chat-1", content: { type: "document", media: { mediaId: media.mediaId }, caption: "Q3" } } });
    expect(sent.statusCode, sent.body).toBe(200);
    const [account] = Object.keys(h.platform.sentMedia);
    expect(h.platform.sentMedia[account!]).toEqual([{ type: "document", mimeType: "application/pdf", size: 300_000, fileName: "report.pdf", sha256: media.sha256, caption: "Q3" }]);
    const event = h.core.events.find((e) => e.type === "message.sent" && (e.data as { body: string }).body === "Q3");
    expect((event?.data as { content: unknown }).content).toEqual({ type: "document", media: { mediaId: media.mediaId, mimeType: "application/pdf", size: 300_000, fileName: "report.pdf" }, caption: "Q3", fileName: "report.pdf" });
    expect(JSON.stringify(h.core.events)).not.toContain(bytes.subarray(0, 64).toString("base64"));

    // A PDF is no image; another instance's mediaId is unknown; an oversized upload is 413 and nothing is kept.
    const asImage = await h.request({ method: "POST", url: "/v1/instances/bot/messages", token, body: { threadId: "chat-1", content: { type: "image", media: { mediaId: media.mediaId } } } });
    expect([asImage.statusCode, errorCode(asImage)]).toEqual([400, "VALIDATION_FAILED"]);
    const other = await h.connectedInstance("other");
    const foreign = await h.request({ method: "POST", url: "/v1/instances/other/messages", token: other, body: { threadId: "c", content: { type: "document", media: { mediaId: media.mediaId } } } });
    expect([foreign.statusCode, errorCode(foreign)]).toEqual([400, "VALIDATION_FAILED"]);
    const big = multipart("big.bin", "application/octet-stream", Buffer.alloc(6 * 1024 * 1024));
    const tooBig = await h.app.inject({ method: "POST", url: "/v1/instances/bot/media", headers: { authorization: `Bearer ${token}`, ...big.headers }, payload: big.payload });
    expect([tooBig.statusCode, errorCode(tooBig)]).toEqual([413, "VALIDATION_FAILED"]);
    const noFile = await h.app.inject({ method: "POST", url: "/v1/instances/bot/media", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload: "{}" });
    expect(noFile.statusCode).toBe(415);
  });
});

describe("the message model", () => {
  it("assertSupported names the platform, the content type or operation, and the platform's note", () => {
    const support = { ...TEXT_ONLY, notes: { image: "Not yet." } };
    expect(() => assertSupported("demo", support, { contentType: "text" })).not.toThrow();
    expect(() => assertSupported("demo", support, { contentType: "image" })).toThrow(expect.objectContaining({ code: "NOT_SUPPORTED", message: "demo cannot send an image message. Not yet.", details: { platform: "demo", contentType: "image", note: "Not yet." } }));
    expect(() => assertSupported("demo", support, { operation: "edit" })).toThrow(expect.objectContaining({ details: { platform: "demo", operation: "edit" } }));
    expect(bodyOf({ type: "image", media: { url: "https://e.com/x" }, caption: "cap" })).toBe("cap");
    expect(bodyOf({ type: "location", latitude: 0, longitude: 0 })).toBe("");
  });
});
