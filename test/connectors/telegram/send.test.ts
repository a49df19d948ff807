import { afterEach, describe, expect, it } from "vitest";
import { rejection, tgHarness, until, type TgHarness } from "./harness.js";

let h: TgHarness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** A connected bot and a user who wrote to it; returns the private chat id as a threadId. */
async function chatWithUser(harness: TgHarness, name: string): Promise<{ botId: number; userId: number; threadId: string }> {
  const bot = harness.sandbox.createBot();
  const user = harness.sandbox.createUser();
  await harness.connectBot(name, bot.token);
  const r = harness.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "hi" });
  await until(() => harness.received(name).length === 1);
  return { botId: bot.id, userId: user.id, threadId: String(r.message.chat.id) };
}

describe("telegram connector: sending", () => {
  it("a 429 from the Bot API is waited out (retry_after) and the message is sent once", async () => {
    h = await tgHarness({
      sandbox: { flood: { privateChat: { limit: 1, windowMs: 1_000, burst: 1 } } },
      connector: { rateLimit: { perChatMs: 0 } }, // let the sandbox's flood control answer 429
    });
    const { botId, threadId } = await chatWithUser(h, "flood");
    const t0 = Date.now();
    const a = await h.gateway.send("flood", { threadId, content: { type: "text", text: "one" } });
    const b = await h.gateway.send("flood", { threadId, content: { type: "text", text: "two" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Number(b.messageId)).toBeGreaterThan(Number(a.messageId));
    const sent = h.sandbox.sent(botId, { chat_id: Number(threadId) });
    expect(sent.map((r) => r.message?.text)).toEqual(["one", "two"]);
  });

  it("a 429 longer than the send budget fails with PLATFORM_RATE_LIMITED and nothing is sent", async () => {
    h = await tgHarness({
      sandbox: { flood: { privateChat: { limit: 1, windowMs: 3_000, burst: 1 } } },
      connector: { rateLimit: { perChatMs: 0 }, maxSendWaitMs: 500 },
    });
    const { botId, threadId } = await chatWithUser(h, "budget");
    await h.gateway.send("budget", { threadId, content: { type: "text", text: "one" } });
    const e = await rejection(h.gateway.send("budget", { threadId, content: { type: "text", text: "two" } }));
    expect(e).toMatchObject({ code: "PLATFORM_RATE_LIMITED", retryAfterMs: 3_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.sandbox.sent(botId, { chat_id: Number(threadId) }).map((r) => r.message?.text)).toEqual(["one"]);
  });

  it("paces messages to one chat by itself (per-chat spacing), without 429s", async () => {
    h = await tgHarness({ connector: { rateLimit: { perChatMs: 200 } } });
    const { botId, threadId } = await chatWithUser(h, "paced");
    await Promise.all(["a", "b", "c"].map((body) => h!.gateway.send("paced", { threadId, content: { type: "text", text: body } })));
    const sent = h.sandbox.sent(botId, { chat_id: Number(threadId) });
    expect(sent).toHaveLength(3);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(180);
  });

  it("400 → VALIDATION_FAILED with the Bot API's description; 403 (blocked) → INVALID_STATE", async () => {
    h = await tgHarness({ connector: { rateLimit: { perChatMs: 0 } } });
    const { botId, userId, threadId } = await chatWithUser(h, "errors");
    expect(await rejection(h.gateway.send("errors", { threadId: "424242", content: { type: "text", text: "x" } }))).toMatchObject({
      code: "VALIDATION_FAILED",
      message: "Bad Request: chat not found",
    });
    expect(await rejection(h.gateway.send("errors", { threadId, content: { type: "text", text: "" } }))).toMatchObject({
      code: "VALIDATION_FAILED",
      message: "Bad Request: message text is empty",
    });
    h.sandbox.blockBot(userId, botId);
    expect(await rejection(h.gateway.send("errors", { threadId, content: { type: "text", text: "still there?" } }))).toMatchObject({
      code: "INVALID_STATE",
      message: "Forbidden: bot was blocked by the user",
    });
  });
});
