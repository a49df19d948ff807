import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { rejection, tgHarness, until, type TgHarness } from "./harness.js";

let h: TgHarness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe("telegram connector over the sandbox: the lifecycle", () => {
  it("connects with a token, receives, replies, misses nothing while closed, and logs out leaving no token on disk", async () => {
    h = await tgHarness();
    const { sandbox, gateway } = h;
    const bot = sandbox.createBot({ username: "support_bot" });
    const user = sandbox.createUser({ first_name: "Ada" });

    const view = await h.connectBot("support", bot.token);
    expect(view.status).toMatchObject({ state: "connected", self: { id: String(bot.id), name: "support_bot" } });
    expect(view.hasCredentials).toBe(true);

    // A user writes → message.received with the normalised fields.
    const first = sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "hello" });
    const [ev] = await until(() => (h!.received("support").length === 1 ? h!.received("support") : null));
    expect(ev!.id).toBe(`tg:${bot.id}:${first.update_id}`);
    expect(ev!.data).toEqual({
      threadId: String(first.message.chat.id),
      senderId: String(user.id),
      body: "hello",
      messageId: String(first.message.message_id),
      timestamp: first.message.date * 1000,
      content: { type: "text", text: "hello" },
      sender: { name: "Ada" },
      chat: { type: "private" },
    });
    expect(ev!.data.raw).toBeUndefined();

    // The reply is sent through the Bot API and recorded by the sandbox.
    const sent = await gateway.send("support", { threadId: ev!.data.threadId, content: { type: "text", text: "hi Ada" } });
    const rec = await sandbox.waitForSent(bot.id, { chat_id: first.message.chat.id }, 2_000);
    expect(rec).toMatchObject({ method: "sendMessage" });
    expect(JSON.stringify(rec)).toContain("hi Ada");
    expect(sent.threadId).toBe(ev!.data.threadId);
    expect(Number(sent.messageId)).toBeGreaterThan(0);
    expect(h.events.some((e) => e.type === "message.sent" && e.instance === "support")).toBe(true);

    // Closed: the user writes twice; nothing is received, nothing is confirmed at the Bot API.
    await gateway.close("support");
    sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "are you there?" });
    sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "hello??" });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.received("support")).toHaveLength(1);
    expect(sandbox.getBot(bot.id).pending_update_count).toBe(2);

    // Connect again (stored token, stored offset): both arrive, once each, in order.
    await gateway.connect("support", { wait: "connected", timeoutMs: 5_000 });
    await until(() => h!.received("support").length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.received("support").map((e) => e.data.body)).toEqual(["hello", "are you there?", "hello??"]);
    // And a restart does not repeat them.
    await gateway.restart("support", { wait: "connected", timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(h.received("support")).toHaveLength(3);

    // Logout: not_supported (a token is revoked only in BotFather), credentials wiped, token not on disk.
    const out = await gateway.logout("support");
    expect(out).toEqual({ instance: "support", status: "logged_out", remote: "not_supported", credentialsWiped: true });
    const after = await gateway.getInstance("support");
    expect(after.hasCredentials).toBe(false);
    await gateway.shutdown();
    expect(h.rawFiles()).not.toContain(bot.token);
    expect(h.rawFiles()).not.toContain(bot.token.split(":")[1]);
  });

  it("includes the raw update on request, and skips updates without text while still confirming them", async () => {
    h = await tgHarness();
    const bot = h.sandbox.createBot();
    const user = h.sandbox.createUser();
    await h.connectBot("raw", bot.token, { includeRaw: true });
    const r = h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "with raw" });
    const [ev] = await until(() => (h!.received("raw").length === 1 ? h!.received("raw") : null));
    expect(ev!.data.raw).toMatchObject({ update_id: r.update_id, message: { text: "with raw" } });
    await until(() => h!.sandbox.getBot(bot.id).pending_update_count === 0, 2_000, "updates confirmed");
  });

  it("environment test talks to Telegram's test environment (/bot<token>/test/<method>)", async () => {
    h = await tgHarness();
    const bot = h.sandbox.test.createBot();
    const user = h.sandbox.test.createUser();
    const view = await h.connectBot("testenv", bot.token, { environment: "test" });
    expect(view.status).toMatchObject({ state: "connected", self: { id: String(bot.id) } });
    const r = h.sandbox.test.sendUserMessage({ bot: bot.id, from: user.id, text: "from the test DC" });
    await until(() => h!.received("testenv").some((e) => e.data.body === "from the test DC"));
    await h.gateway.send("testenv", { threadId: String(r.message.chat.id), content: { type: "text", text: "ok" } });
    expect(h.sandbox.test.sent(bot.id).map((s) => s.message?.text)).toEqual(["ok"]);
    // The production environment does not know this bot.
    await h.gateway.createInstance({ name: "prodenv", platform: "telegram", config: { apiRoot: h.sandbox.url } });
    const prod = await h.gateway.connect("prodenv", { login: { method: "token", input: { token: bot.token } }, wait: "connected", timeoutMs: 5_000 });
    expect(prod.status).toMatchObject({ state: "failed", error: { code: "UNAUTHORIZED" } });
  });

  it("a bad token at login fails once, with no retry loop and nothing stored", async () => {
    h = await tgHarness();
    h.sandbox.createBot();
    const fake = `12345:${"A".repeat(35)}`;
    const view = await h.connectBot("bad", fake);
    expect(view.status).toEqual({ state: "failed", error: { code: "UNAUTHORIZED", message: "The bot token was rejected" } });
    expect(view.hasCredentials).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    const again = await h.gateway.getInstance("bad");
    expect(again.status.state).toBe("failed");
    expect(again.history!.some((e) => e.to === "reconnecting")).toBe(false);
    expect(JSON.stringify(again)).not.toContain(fake);
  });

  it("a token revoked in BotFather while connected: logged_out {reason: remote}, credentials wiped", async () => {
    h = await tgHarness();
    const bot = h.sandbox.createBot();
    await h.connectBot("revoked", bot.token);
    await until(() => h!.sandbox.getBot(bot.id).waiting_get_updates, 2_000, "a waiting poll");
    h.sandbox.revokeToken(bot.id);
    const s = await until(async () => {
      const v = await h!.gateway.getInstance("revoked");
      return v.status.state === "logged_out" ? v : null;
    });
    expect(s.status).toEqual({ state: "logged_out", reason: "remote", remote: "revoked" });
    expect(s.hasCredentials).toBe(false);
    expect(h.events.some((e) => e.type === "instance.logged_out" && e.instance === "revoked")).toBe(true);
  });

  it("a second poller on the same bot: conflict, no reconnect loop", async () => {
    h = await tgHarness();
    const bot = h.sandbox.createBot();
    await h.connectBot("twice", bot.token);
    await until(() => h!.sandbox.getBot(bot.id).waiting_get_updates, 2_000, "a waiting poll");
    const other = new Api(bot.token, { apiRoot: h.sandbox.url });
    const otherPoll = other.getUpdates({ timeout: 1 });
    const s = await until(async () => {
      const v = await h!.gateway.getInstance("twice");
      return v.status.state === "conflict" ? v : null;
    });
    expect(s.status).toMatchObject({ state: "conflict", error: { code: "CONFLICT" } });
    expect(s.desired).toBe("stopped");
    expect(s.hasCredentials).toBe(true);
    await otherPoll;
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.gateway.getInstance("twice")).status.state).toBe("conflict");
  });

  it("a webhook set by someone else: conflict with a clear message", async () => {
    h = await tgHarness();
    const bot = h.sandbox.createBot();
    await new Api(bot.token, { apiRoot: h.sandbox.url }).setWebhook("http://127.0.0.1:9/elsewhere");
    await h.connectBot("hooked", bot.token);
    const view = await until(async () => {
      const v = await h!.gateway.getInstance("hooked");
      return v.status.state === "conflict" ? v : null;
    });
    expect(JSON.stringify(view.status)).toContain("A webhook is set for this bot");
  });

  it("the Bot API unreachable: reconnecting (the core backs off), the token in no status", async () => {
    h = await tgHarness({ sandbox: { port: 0 } });
    const bot = h.sandbox.createBot();
    await h.connectBot("flaky", bot.token);
    await h.sandbox.close();
    const s = await until(async () => {
      const v = await h!.gateway.getInstance("flaky");
      return v.status.state === "reconnecting" ? v : null;
    });
    expect(s.status).toMatchObject({ state: "reconnecting", lastError: { code: "PLATFORM_UNREACHABLE" } });
    expect(JSON.stringify(s)).not.toContain(bot.token);
    expect(await rejection(h.gateway.send("flaky", { threadId: "1", content: { type: "text", text: "x" } }))).toMatchObject({ code: "INVALID_STATE" });
  });
});
