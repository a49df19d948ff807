import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Bot, GrammyError, InputFile, webhookCallback } from "grammy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { call, tick, until } from "./helpers.js";

/**
 * grammY 1.46 as a real client of the sandbox, at a bare apiRoot: long polling, webhooks through
 * grammY's own webhookCallback, the Api class, and the error answers grammY reacts to.
 */
let sandbox: TelegramSandbox;
const MINUTE = 60_000;

beforeAll(async () => {
  sandbox = await startTelegramSandbox({ clock: createManualClock(Date.UTC(2026, 2, 1)), flood: false });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.setFlood(false);
  sandbox.setProfile("cloud");
});

function newBot(token: string): Bot {
  return new Bot(token, { client: { apiRoot: sandbox.url } });
}

/** A bot and a user who has written to it (so the bot may write back). */
function botWithUser(): { token: string; botId: number; userId: number } {
  const b = sandbox.createBot();
  const u = sandbox.createUser({ first_name: "Alice", username: `alice${b.id}` });
  sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "hi" });
  // Confirm that first message so it does not reach the tests' handlers.
  return { token: b.token, botId: b.id, userId: u.id };
}

async function errorOf(p: Promise<unknown>): Promise<GrammyError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GrammyError) return e;
    throw e;
  }
  throw new Error("expected a GrammyError");
}

describe("long polling with bot.start()", () => {
  it("receives a user's message and answers with ctx.reply, recorded by the sandbox", async () => {
    const b = sandbox.createBot({ username: "echo_bot" });
    const u = sandbox.createUser({ first_name: "Bob" });
    const bot = newBot(b.token);
    bot.command("start", (ctx) => ctx.reply(`Welcome, ${ctx.from?.first_name ?? "?"}!`));
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`, { reply_parameters: { message_id: ctx.message.message_id } }));
    const running = bot.start();
    await until(() => sandbox.getBot(b.id).waiting_get_updates, 5_000, "the first getUpdates");

    sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "/start" });
    const welcome = await sandbox.waitForSent(b.id, { chat_id: u.id });
    expect(welcome.message).toMatchObject({ text: "Welcome, Bob!", chat: { id: u.id, type: "private" }, from: { id: b.id, is_bot: true } });

    const { message: incoming } = sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "ping" });
    const echo = await sandbox.waitForSent(b.id, { after: welcome.seq });
    expect(echo.message?.text).toBe("echo: ping");
    expect(echo.message?.reply_to_message?.message_id).toBe(incoming.message_id);
    // message ids of the chat run on: /start = 1, welcome = 2, ping = 3, echo = 4.
    expect(sandbox.chatMessages(b.id, u.id).map((m) => m.message_id)).toEqual([1, 2, 3, 4]);

    await bot.stop();
    await running;
    // bot.stop() confirmed the handled updates.
    expect(sandbox.pendingUpdates(b.id)).toEqual([]);
  });

  it("a second poller ends the first one with 409, which stops grammY's loop", async () => {
    const b = sandbox.createBot();
    const first = newBot(b.token);
    const firstRun = first.start();
    await until(() => sandbox.getBot(b.id).waiting_get_updates, 5_000, "the first poller");
    const second = newBot(b.token);
    const secondRun = second.start();
    const e = await errorOf(firstRun);
    expect(e.error_code).toBe(409);
    expect(e.description).toBe("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    await until(() => sandbox.getBot(b.id).waiting_get_updates, 5_000, "the second poller");
    await second.stop();
    await secondRun;
  });

  it("getUpdates while a webhook is set is 409", async () => {
    const { token } = botWithUser();
    const bot = newBot(token);
    await bot.api.setWebhook("http://127.0.0.1:9/hook");
    const e = await errorOf(bot.api.getUpdates());
    expect(e.error_code).toBe(409);
    expect(e.description).toBe("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  });
});

describe("webhooks with grammY's webhookCallback", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  async function serve(bot: Bot, secretToken: string): Promise<string> {
    const server = createServer(webhookCallback(bot, "http", { secretToken }));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`;
  }

  it("delivers updates with the secret token header, and the bot answers through the API", async () => {
    const b = sandbox.createBot();
    const u = sandbox.createUser();
    const bot = newBot(b.token);
    bot.on("message:text", (ctx) => ctx.reply(`got ${ctx.message.text}`));
    const url = await serve(bot, "s3cret_Token-1");
    expect(await bot.api.setWebhook(url, { secret_token: "s3cret_Token-1" })).toBe(true);

    sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "one" });
    sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "two" });
    const first = await sandbox.waitForSent(b.id);
    const second = await sandbox.waitForSent(b.id, { after: first.seq });
    // One update in flight at a time, in order.
    expect([first.message?.text, second.message?.text]).toEqual(["got one", "got two"]);
    // An update is confirmed by the webhook's 2xx answer, which comes after the handler's reply.
    await until(() => sandbox.getBot(b.id).pending_update_count === 0, 5_000, "the last confirmation");
    const info = await bot.api.getWebhookInfo();
    expect(info).toMatchObject({ url, has_custom_certificate: false, pending_update_count: 0, max_connections: 40, ip_address: "127.0.0.1" });
    expect(info.last_error_date).toBeUndefined();
  });

  it("a receiver that refuses (wrong secret: 401) is retried with backoff on the sandbox clock", async () => {
    const b = sandbox.createBot();
    const u = sandbox.createUser();
    const bot = newBot(b.token);
    bot.on("message:text", (ctx) => ctx.reply("finally"));
    const url = await serve(bot, "the_right_one");
    await bot.api.setWebhook(url, { secret_token: "a_wrong_one" });
    sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "knock" });

    // First failure, then the immediate retry fails too; the next attempt waits 2 s.
    await until(() => sandbox.getBot(b.id).webhook.last_error_message !== undefined, 5_000, "a failed delivery");
    await tick(100);
    const info = await bot.api.getWebhookInfo();
    expect(info.last_error_message).toBe("Wrong response from the webhook: 401 Unauthorized");
    expect(info.pending_update_count).toBe(1);

    // Fix the secret: the queued update is delivered.
    await sandbox.advanceClock(1_000); // setWebhook with a URL: at most one per second
    await bot.api.setWebhook(url, { secret_token: "the_right_one" });
    const sent = await sandbox.waitForSent(b.id);
    expect(sent.message?.text).toBe("finally");
    await until(() => sandbox.getBot(b.id).pending_update_count === 0, 5_000, "the confirmation");
    // A new webhook starts without an error (Client::finish_set_webhook).
    expect((await bot.api.getWebhookInfo()).last_error_message).toBeUndefined();
  });
});

describe("the Api class", () => {
  it("sendMessage returns a real Message; sendPhoto uploads through multipart", async () => {
    const { token, userId, botId } = botWithUser();
    const bot = newBot(token);
    const m = await bot.api.sendMessage(userId, "<b>bold</b> and <i>italic</i>", {
      parse_mode: "HTML",
      reply_markup: { inline_keyboard: [[{ text: "Open", url: "https://example.com" }]] },
    });
    expect(m).toMatchObject({
      message_id: 2,
      from: { id: botId, is_bot: true },
      chat: { id: userId, type: "private", first_name: "Alice" },
      date: Math.floor(sandbox.clock.now() / 1000),
      text: "bold and italic",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "italic", offset: 9, length: 6 },
      ],
      reply_markup: { inline_keyboard: [[{ text: "Open", url: "https://example.com" }]] },
    });
    const photo = await bot.api.sendPhoto(userId, new InputFile(Buffer.alloc(4096, 1), "cat.jpg"), { caption: "a cat" });
    expect(photo.photo?.length).toBe(3);
    expect(photo.caption).toBe("a cat");
    // The file_id can be sent again.
    const again = await bot.api.sendPhoto(userId, photo.photo![2]!.file_id);
    expect(again.photo?.[2]?.file_id).toBe(photo.photo![2]!.file_id);
    expect(sandbox.sent(botId).map((r) => r.method)).toEqual(["sendMessage", "sendPhoto", "sendPhoto"]);
  });

  it("sending to a chat the bot does not know is 400 chat not found", async () => {
    const { token } = botWithUser();
    const stranger = sandbox.createUser();
    const e = await errorOf(newBot(token).api.sendMessage(stranger.id, "hello?"));
    expect([e.error_code, e.description]).toEqual([400, "Bad Request: chat not found"]);
  });
});

describe("logOut and close", () => {
  it("logOut on the cloud profile: true, then 400 Logged out for 10 minutes; webhook and queue dropped", async () => {
    const { token, botId, userId } = botWithUser();
    const bot = newBot(token);
    await bot.api.setWebhook("http://127.0.0.1:9/hook");
    sandbox.sendUserMessage({ bot: botId, from: userId, text: "queued" });
    expect(await bot.api.logOut()).toBe(true);

    const e = await errorOf(bot.api.getMe());
    expect([e.error_code, e.description]).toEqual([400, "Logged out"]);
    await sandbox.advanceClock(10 * MINUTE - 1_000);
    expect((await errorOf(bot.api.getMe())).description).toBe("Logged out");
    expect((await errorOf(bot.api.close())).description).toBe("Logged out");
    await sandbox.advanceClock(1_000);

    expect((await bot.api.getMe()).id).toBe(botId);
    const info = await bot.api.getWebhookInfo();
    expect([info.url, info.pending_update_count]).toEqual(["", 0]);
  });

  it("logOut on the local profile: the bot may call again at once", async () => {
    sandbox.setProfile("local");
    const { token, botId } = botWithUser();
    const bot = newBot(token);
    expect(await bot.api.logOut()).toBe(true);
    expect((await bot.api.getMe()).id).toBe(botId);
  });

  it("close: 429 with retry_after during the first 10 minutes, then true; the next call relaunches", async () => {
    const { token, botId } = botWithUser();
    const bot = newBot(token);
    const early = await errorOf(bot.api.close());
    expect(early.error_code).toBe(429);
    expect(early.description).toBe("Too Many Requests: retry after 600");
    expect(early.parameters.retry_after).toBe(600);

    await sandbox.advanceClock(4 * MINUTE);
    expect((await errorOf(bot.api.close())).parameters.retry_after).toBe(360);

    await sandbox.advanceClock(6 * MINUTE);
    expect(await bot.api.close()).toBe(true);
    expect(sandbox.getBot(botId).session).toBe("closed");
    const again = await errorOf(bot.api.close());
    expect([again.error_code, again.description]).toEqual([400, "Bad Request: the bot has already been closed"]);

    expect((await bot.api.getMe()).id).toBe(botId);
    expect((await errorOf(bot.api.close())).parameters.retry_after).toBe(600);
  });
});

describe("errors grammY sees", () => {
  it("401 Unauthorized for an unknown, a revoked and a malformed token", async () => {
    const { token, botId } = botWithUser();
    const unknown = await errorOf(newBot("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw").api.getMe());
    expect([unknown.error_code, unknown.description]).toEqual([401, "Unauthorized"]);

    const revoked = sandbox.revokeToken(botId);
    expect(revoked.token).not.toBe(token);
    expect((await errorOf(newBot(token).api.getMe())).error_code).toBe(401);
    expect((await newBot(revoked.token).api.getMe()).id).toBe(botId);

    expect((await errorOf(newBot("not-a-token").api.getMe())).description).toBe("Unauthorized");
    sandbox.setProfile("local");
    expect((await errorOf(newBot("not-a-token").api.getMe())).description).toBe("Unauthorized: invalid token specified");
  });

  it("429 Too Many Requests with retry_after and a Retry-After header when the flood limits are hit", async () => {
    sandbox.setFlood({ privateChat: { limit: 1, windowMs: 1_000, burst: 1 } });
    const { token, userId } = botWithUser();
    const bot = newBot(token);
    await bot.api.sendMessage(userId, "one");
    const e = await errorOf(bot.api.sendMessage(userId, "two"));
    expect([e.error_code, e.description, e.parameters.retry_after]).toEqual([429, "Too Many Requests: retry after 1", 1]);
    const raw = await call(sandbox, token, "sendMessage", { chat_id: userId, text: "two" });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("1");
    await sandbox.advanceClock(1_000);
    expect((await bot.api.sendMessage(userId, "two")).text).toBe("two");
  });
});

describe("the wire", () => {
  it("method names are case-insensitive", async () => {
    const { token, botId, userId } = botWithUser();
    for (const name of ["getMe", "getme", "GETME", "GeTmE"]) {
      const r = await call(sandbox, token, name);
      expect(r.body).toMatchObject({ ok: true, result: { id: botId } });
    }
    expect((await call(sandbox, token, "SENDMESSAGE", { chat_id: userId, text: "x" })).body.ok).toBe(true);
    expect((await call(sandbox, token, "getYou")).body).toEqual({ ok: false, error_code: 404, description: "Not Found: method not found" });
  });

  it("reads form-encoded, query-string, JSON and multipart bodies, with JSON-serialized objects inside", async () => {
    const { token, userId } = botWithUser();
    const keyboard = { inline_keyboard: [[{ text: "A", callback_data: "a" }]] };
    for (const encoding of ["form", "query", "json", "multipart"] as const) {
      const r = await call(sandbox, token, "sendMessage", { chat_id: userId, text: `via ${encoding}`, reply_markup: keyboard }, encoding);
      expect(r.body.ok, encoding).toBe(true);
      expect(r.body.result, encoding).toMatchObject({ text: `via ${encoding}`, reply_markup: keyboard });
    }
    // GET with the query string, and allowed_updates as JSON text in a form body, persisted.
    expect((await fetch(`${sandbox.url}/bot${token}/getMe?x=1`)).status).toBe(200);
    await call(sandbox, token, "getUpdates", { allowed_updates: ["message", "callback_query"] }, "form");
    expect((await call(sandbox, token, "getWebhookInfo")).body.result).toMatchObject({ allowed_updates: ["message", "callback_query"] });
    const bad = await call(sandbox, token, "sendMessage", { chat_id: userId, text: "x", reply_markup: "{not json" }, "form");
    expect(bad.body).toEqual({ ok: false, error_code: 400, description: "Bad Request: can't parse reply keyboard markup JSON object" });
  });

  it("the test environment (/bot<token>/test/<method>) is separate", async () => {
    const prodBot = sandbox.createBot();
    const testBot = sandbox.test.createBot({ username: "testenv_bot" });
    expect((await call(sandbox, testBot.token, "getMe", {}, "json", true)).body.result).toMatchObject({ username: "testenv_bot" });
    expect((await call(sandbox, testBot.token, "getMe")).status).toBe(401);
    expect((await call(sandbox, prodBot.token, "getMe", {}, "json", true)).status).toBe(401);
    const testApi = new Bot(testBot.token, { client: { apiRoot: sandbox.url, environment: "test" } });
    expect((await testApi.api.getMe()).username).toBe("testenv_bot");
  });
});
