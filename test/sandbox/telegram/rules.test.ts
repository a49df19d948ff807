import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createManualClock, startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { call, type RawAnswer, tick, until } from "./helpers.js";

/**
 * The rules the sandbox enforces, driven over raw HTTP with the manual clock: getUpdates (offsets,
 * clamping, long-poll timing, allowed_updates, 24-hour retention), webhook delivery (headers,
 * retries and backoff, errors, webhook replies), setWebhook's answers, flood limits, chat rules.
 */
const SECOND = 1_000;
const HOUR = 3600 * SECOND;
let sandbox: TelegramSandbox;

beforeAll(async () => {
  sandbox = await startTelegramSandbox({ clock: createManualClock(Date.UTC(2026, 5, 1)), flood: false });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.setFlood(false);
});

function setup(): { token: string; bot: number; user: number } {
  const b = sandbox.createBot();
  const u = sandbox.createUser();
  return { token: b.token, bot: b.id, user: u.id };
}

function ids(r: RawAnswer): number[] {
  return (r.body.result as Array<{ update_id: number }>).map((u) => u.update_id);
}

describe("getUpdates", () => {
  it("numbers updates consecutively and forgets those below the offset", async () => {
    const { token, bot, user } = setup();
    const first = sandbox.sendUserMessage({ bot, from: user, text: "1" }).update_id!;
    sandbox.sendUserMessage({ bot, from: user, text: "2" });
    sandbox.sendUserMessage({ bot, from: user, text: "3" });
    expect(ids(await call(sandbox, token, "getUpdates"))).toEqual([first, first + 1, first + 2]);
    // Unconfirmed updates come again; limit applies.
    expect(ids(await call(sandbox, token, "getUpdates", { limit: 2 }))).toEqual([first, first + 1]);
    // offset confirms everything below it, for good.
    expect(ids(await call(sandbox, token, "getUpdates", { offset: first + 2 }))).toEqual([first + 2]);
    expect(ids(await call(sandbox, token, "getUpdates"))).toEqual([first + 2]);
    expect(ids(await call(sandbox, token, "getUpdates", { offset: first + 3 }))).toEqual([]);
    expect(sandbox.sendUserMessage({ bot, from: user, text: "4" }).update_id).toBe(first + 3);
  });

  it("a negative offset keeps only the last -offset updates", async () => {
    const { token, bot, user } = setup();
    const first = sandbox.sendUserMessage({ bot, from: user, text: "1" }).update_id!;
    for (const t of ["2", "3", "4"]) sandbox.sendUserMessage({ bot, from: user, text: t });
    expect(ids(await call(sandbox, token, "getUpdates", { offset: -2 }))).toEqual([first + 2, first + 3]);
    expect(ids(await call(sandbox, token, "getUpdates"))).toEqual([first + 2, first + 3]);
  });

  it("clamps limit to 1–100 and timeout to 0–50 s", async () => {
    const { token, bot, user } = setup();
    for (let i = 0; i < 105; i++) sandbox.sendUserMessage({ bot, from: user, text: `m${i}` });
    expect(ids(await call(sandbox, token, "getUpdates", { limit: 0 }))).toHaveLength(1);
    expect(ids(await call(sandbox, token, "getUpdates", { limit: -5 }))).toHaveLength(1);
    expect(ids(await call(sandbox, token, "getUpdates", { limit: 1000 }))).toHaveLength(100);
    await call(sandbox, token, "getUpdates", { offset: -1 });
    await call(sandbox, token, "getUpdates", { offset: 1 + ids(await call(sandbox, token, "getUpdates"))[0]! });

    const poll = call(sandbox, token, "getUpdates", { timeout: 3600 });
    await until(() => sandbox.getBot(bot).waiting_get_updates, 2_000, "the long poll");
    await sandbox.advanceClock(50 * SECOND - 1);
    await tick();
    expect(sandbox.getBot(bot).waiting_get_updates).toBe(true);
    await sandbox.advanceClock(1);
    expect((await poll).body).toEqual({ ok: true, result: [] });
  });

  it("a long poll is answered as soon as an update arrives, without the clock moving", async () => {
    const { token, bot, user } = setup();
    const poll = call(sandbox, token, "getUpdates", { timeout: 30 });
    await until(() => sandbox.getBot(bot).waiting_get_updates, 2_000, "the long poll");
    const { update_id } = sandbox.sendUserMessage({ bot, from: user, text: "now" });
    const r = await poll;
    expect(ids(r)).toEqual([update_id]);
    expect(r.body.result).toEqual([{ update_id, message: expect.objectContaining({ text: "now" }) }]);
  });

  it("a timeout of 0 answers at once", async () => {
    const { token } = setup();
    expect((await call(sandbox, token, "getUpdates", { timeout: 0 })).body).toEqual({ ok: true, result: [] });
  });

  it("setWebhook ends a waiting getUpdates with 409 terminated by setWebhook request", async () => {
    const { token, bot } = setup();
    const poll = call(sandbox, token, "getUpdates", { timeout: 30 });
    await until(() => sandbox.getBot(bot).waiting_get_updates, 2_000, "the long poll");
    await call(sandbox, token, "setWebhook", { url: "http://127.0.0.1:9/x" });
    expect((await poll).body).toEqual({ ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" });
  });

  it("a revoked token ends a waiting getUpdates with 401", async () => {
    const { token, bot } = setup();
    const poll = call(sandbox, token, "getUpdates", { timeout: 30 });
    await until(() => sandbox.getBot(bot).waiting_get_updates, 2_000, "the long poll");
    sandbox.revokeToken(bot);
    expect((await poll).body).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("allowed_updates is kept by the bot: excluded types are never queued; [] restores the default", async () => {
    const { token, bot, user } = setup();
    await call(sandbox, token, "getUpdates", { allowed_updates: ["callback_query"] });
    expect(sandbox.sendUserMessage({ bot, from: user, text: "dropped" }).update_id).toBeNull();
    // Omitted: unchanged. Not a JSON array: unchanged.
    await call(sandbox, token, "getUpdates", { allowed_updates: "message" }, "form");
    expect(sandbox.sendUserMessage({ bot, from: user, text: "dropped too" }).update_id).toBeNull();
    expect((await call(sandbox, token, "getWebhookInfo")).body.result).toMatchObject({ allowed_updates: ["callback_query"] });
    await call(sandbox, token, "getUpdates", { allowed_updates: [] });
    expect(sandbox.sendUserMessage({ bot, from: user, text: "kept" }).update_id).not.toBeNull();
    expect((await call(sandbox, token, "getWebhookInfo")).body.result).not.toHaveProperty("allowed_updates");
  });

  it("drops updates older than 24 hours", async () => {
    const { token, bot, user } = setup();
    const now = Math.floor(sandbox.clock.now() / 1000);
    sandbox.sendUserMessage({ bot, from: user, text: "old", date: now - 24 * 3600 + 60 });
    const fresh = sandbox.sendUserMessage({ bot, from: user, text: "fresh" }).update_id;
    expect(ids(await call(sandbox, token, "getUpdates"))).toHaveLength(2);
    await sandbox.advanceClock(61 * SECOND);
    expect(ids(await call(sandbox, token, "getUpdates"))).toEqual([fresh]);
    await sandbox.advanceClock(24 * HOUR);
    expect(ids(await call(sandbox, token, "getUpdates"))).toEqual([]);
    expect((await call(sandbox, token, "getWebhookInfo")).body.result).toMatchObject({ pending_update_count: 0 });
  });
});

describe("setWebhook and deleteWebhook", () => {
  it("answer with the real server's descriptions", async () => {
    const { token } = setup();
    const url = "http://127.0.0.1:9/hook";
    expect((await call(sandbox, token, "deleteWebhook")).body).toEqual({ ok: true, result: true, description: "Webhook is already deleted" });
    expect((await call(sandbox, token, "setWebhook", { url })).body).toEqual({ ok: true, result: true, description: "Webhook was set" });
    await sandbox.advanceClock(SECOND);
    expect((await call(sandbox, token, "setWebhook", { url })).body).toEqual({ ok: true, result: true, description: "Webhook is already set" });
    expect((await call(sandbox, token, "setWebhook", { url })).body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    expect((await call(sandbox, token, "deleteWebhook")).body).toEqual({ ok: true, result: true, description: "Webhook was deleted" });
    expect((await call(sandbox, token, "setWebhook", { url: "" })).body).toEqual({ ok: true, result: true, description: "Webhook is already deleted" });
  });

  it("refuse bad URLs and secret tokens", async () => {
    const { token } = setup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: "ftp://example.com/x" }, "Bad Request: invalid webhook URL specified"],
      [{ url: "http://127.0.0.1:9/x", secret_token: "has space" }, "Bad Request: secret token contains unallowed characters"],
      [{ url: "http://127.0.0.1:9/x", secret_token: "a".repeat(257) }, "Bad Request: secret token is too long"],
      [{ url: "https://no-such-host.invalid/x" }, "Bad Request: bad webhook: Failed to resolve host: Name or service not known"],
    ];
    for (const [params, description] of cases) {
      await sandbox.advanceClock(SECOND);
      expect((await call(sandbox, token, "setWebhook", params)).body).toEqual({ ok: false, error_code: 400, description });
    }
  });

  it("on the cloud profile with strict URLs, refuse what api.telegram.org refuses", async () => {
    sandbox.configure({ strict_webhook_urls: true });
    try {
      const { token } = setup();
      const cases: Array<[string, string]> = [
        ["http://example.com/x", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"],
        ["https://example.com:8080/x", "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"],
        ["https://127.0.0.1/x", "Bad Request: bad webhook: IP address 127.0.0.1 is reserved"],
      ];
      for (const [url, description] of cases) {
        await sandbox.advanceClock(SECOND);
        expect((await call(sandbox, token, "setWebhook", { url })).body.description).toBe(description);
      }
    } finally {
      sandbox.configure({ strict_webhook_urls: false });
    }
  });

  it("drop_pending_updates clears the queue", async () => {
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "x" });
    await call(sandbox, token, "deleteWebhook", { drop_pending_updates: true });
    expect(sandbox.pendingUpdates(bot)).toEqual([]);
  });
});

describe("webhook delivery", () => {
  interface Hit {
    path: string;
    headers: IncomingMessage["headers"];
    body: { update_id: number; message?: { text?: string } };
  }
  let server: Server;
  let base: string;
  const allHits: Hit[] = [];
  /** Each test's webhook has its own path; `hits` are the deliveries to the current one. */
  let hook = "";
  const hits = {
    get length(): number {
      return this.list().length;
    },
    list: (): Hit[] => allHits.filter((h) => h.path === new URL(hook).pathname),
    map<T>(fn: (h: Hit) => T): T[] {
      return this.list().map(fn);
    },
  };
  /** What the receiver answers next: status, headers, body. */
  let respond: (hit: Hit) => [number, Record<string, string>, string] | null = () => [200, {}, ""];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const hit: Hit = { path: req.url ?? "", headers: req.headers, body: JSON.parse(text) as Hit["body"] };
        allHits.push(hit);
        const answer = respond(hit);
        if (answer === null) return; // never answers
        const [status, headers, body] = answer;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  let n = 0;
  beforeEach(() => {
    hook = `${base}/hook${++n}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  afterEach(() => {
    respond = () => [200, {}, ""];
  });

  it("POSTs each update as JSON with the secret header, in order, one at a time", async () => {
    const { token, bot, user } = setup();
    let inFlight = 0;
    let maxInFlight = 0;
    respond = () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setImmediate(() => inFlight--);
      return [200, {}, ""];
    };
    await call(sandbox, token, "setWebhook", { url: hook, secret_token: "abc_DEF-123" });
    const sent = ["a", "b", "c"].map((text) => sandbox.sendUserMessage({ bot, from: user, text }).update_id);
    await until(() => hits.length === 3, 5_000, "three deliveries");
    expect(hits.map((h) => h.body.update_id)).toEqual(sent);
    expect(hits.map((h) => h.body.message?.text)).toEqual(["a", "b", "c"]);
    expect(hits.list()[0]!.headers["x-telegram-bot-api-secret-token"]).toBe("abc_DEF-123");
    expect(hits.list()[0]!.headers["content-type"]).toBe("application/json");
    await until(() => sandbox.getBot(bot).pending_update_count === 0, 2_000, "the confirmations");
    expect(maxInFlight).toBe(1);
  });

  it("retries a failing update at once, then after 2, 4, 8 … s on the sandbox clock, in order", async () => {
    const { token, bot, user } = setup();
    let failures = 3;
    respond = () => (failures-- > 0 ? [500, {}, "{}"] : [200, {}, ""]);
    await call(sandbox, token, "setWebhook", { url: hook });
    const first = sandbox.sendUserMessage({ bot, from: user, text: "first" }).update_id;
    const second = sandbox.sendUserMessage({ bot, from: user, text: "second" }).update_id;
    await until(() => hits.length === 2, 2_000, "the first attempt and its immediate retry");
    await tick(50);
    expect(hits.length).toBe(2);
    const info = (await call(sandbox, token, "getWebhookInfo")).body.result as Record<string, unknown>;
    expect(info).toMatchObject({ last_error_message: "Wrong response from the webhook: 500 Internal Server Error", pending_update_count: 2 });
    expect(info.last_error_date).toBe(Math.floor(sandbox.clock.now() / 1000));

    await sandbox.advanceClock(2 * SECOND - 1);
    await tick(50);
    expect(hits.length).toBe(2);
    await sandbox.advanceClock(1);
    await until(() => hits.length === 3, 2_000, "the retry after 2 s");
    await tick(50); // let the sandbox read the 500 before the clock moves on
    await sandbox.advanceClock(4 * SECOND - 1);
    await tick(50);
    expect(hits.length).toBe(3);
    await sandbox.advanceClock(1);
    await until(() => hits.length === 5, 2_000, "the retry after 4 s, then the second update");
    await until(() => sandbox.getBot(bot).pending_update_count === 0, 2_000, "both confirmed");
    expect(hits.map((h) => h.body.update_id)).toEqual([first, first, first, first, second]);
  });

  it("a receiver that does not answer in time fails with Read timeout expired", async () => {
    const { token, bot, user } = setup();
    sandbox.configure({ webhook_timeout_ms: 5 * SECOND });
    try {
      respond = () => null;
      await call(sandbox, token, "setWebhook", { url: hook });
      sandbox.sendUserMessage({ bot, from: user, text: "x" });
      await until(() => hits.length === 1, 2_000, "the first attempt");
      respond = () => [200, {}, ""]; // for the retry; the first request stays unanswered
      await sandbox.advanceClock(5 * SECOND - 1);
      await tick(50);
      expect(sandbox.getBot(bot).webhook.last_error_message).toBeUndefined();
      await sandbox.advanceClock(1);
      await until(() => sandbox.getBot(bot).pending_update_count === 0, 2_000, "the immediate retry");
      expect(sandbox.getBot(bot).webhook.last_error_message).toBe("Read timeout expired");
    } finally {
      sandbox.configure({ webhook_timeout_ms: 60 * SECOND });
    }
  });

  it("honours the receiver's Retry-After", async () => {
    const { token, bot, user } = setup();
    respond = () => [429, { "retry-after": "30" }, ""];
    await call(sandbox, token, "setWebhook", { url: hook });
    sandbox.sendUserMessage({ bot, from: user, text: "x" });
    await until(() => hits.length === 1, 2_000, "the first attempt");
    await tick(50);
    expect(sandbox.getBot(bot).webhook.last_error_message).toBe("Wrong response from the webhook: 429 Too Many Requests");
    await sandbox.advanceClock(29 * SECOND);
    await tick(50);
    expect(hits.length).toBe(1);
    respond = () => [200, {}, ""];
    await sandbox.advanceClock(SECOND);
    await until(() => sandbox.getBot(bot).pending_update_count === 0, 2_000, "the retry after 30 s");
  });

  it("reports an unreachable receiver as Connection refused", async () => {
    const { token, bot, user } = setup();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await call(sandbox, token, "setWebhook", { url: `http://127.0.0.1:${port}/gone` });
    sandbox.sendUserMessage({ bot, from: user, text: "x" });
    await until(() => sandbox.getBot(bot).webhook.last_error_message !== undefined, 5_000, "the failure");
    expect(sandbox.getBot(bot).webhook).toMatchObject({ last_error_message: "Connection refused", pending_update_count: 1 });
  });

  it("executes a method returned in the webhook's answer (webhook reply)", async () => {
    const { token, bot, user } = setup();
    respond = (hit) => [200, {}, JSON.stringify({ method: "sendMessage", chat_id: user, text: `re: ${hit.body.message?.text}` })];
    await call(sandbox, token, "setWebhook", { url: hook });
    sandbox.sendUserMessage({ bot, from: user, text: "hello" });
    const record = await sandbox.waitForSent(bot);
    expect(record.message?.text).toBe("re: hello");
  });
});

describe("flood limits", () => {
  it("20 messages per minute in a group, then 429 with the wait", async () => {
    sandbox.setFlood({});
    const { token, bot, user } = setup();
    const group = sandbox.createChat({ title: "Busy", bots: [bot], members: [user] });
    for (let i = 0; i < 20; i++) expect((await call(sandbox, token, "sendMessage", { chat_id: group.id, text: `${i}` })).status).toBe(200);
    const refused = await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "one too many" });
    expect(refused.body).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } });
    await sandbox.advanceClock(3 * SECOND);
    expect((await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "again" })).status).toBe(200);
  });

  it("about 30 messages per second per bot", async () => {
    sandbox.setFlood({ privateChat: { limit: 100, windowMs: 1_000 } });
    const { token, bot } = setup();
    const users = Array.from({ length: 31 }, () => sandbox.createUser().id);
    for (const u of users) sandbox.sendUserMessage({ bot, from: u, text: "hi" });
    const statuses: number[] = [];
    for (const u of users) statuses.push((await call(sandbox, token, "sendMessage", { chat_id: u, text: "news" })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses[30]).toBe(429);
  });

  it("a short burst in a private chat, then about one per second", async () => {
    sandbox.setFlood({});
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "hi" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(sandbox, token, "sendMessage", { chat_id: user, text: `${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    await sandbox.advanceClock(SECOND);
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "later" })).status).toBe(200);
  });
});

describe("chats and messages", () => {
  it("private chats: unknown → chat not found; seen only in a group → can't initiate; blocked → 403", async () => {
    const { token, bot, user } = setup();
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x" })).body.description).toBe("Bad Request: chat not found");
    const group = sandbox.createChat({ bots: [bot] });
    sandbox.sendUserMessage({ bot, from: user, chat_id: group.id, text: "in the group" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x" })).body).toEqual({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user",
    });
    sandbox.sendUserMessage({ bot, from: user, text: "/start" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x" })).status).toBe(200);
    sandbox.blockBot(user, bot);
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x" })).body).toEqual({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
  });

  it("groups: membership, upgrade to a supergroup (migrate_to_chat_id), @username", async () => {
    const { token, bot } = setup();
    const group = sandbox.createChat({ title: "Team" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "x" })).body.description).toBe(
      "Forbidden: bot is not a member of the group chat",
    );
    sandbox.setMember(group.id, { bot });
    const sent = await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "hello team" });
    expect(sent.body.result).toMatchObject({ chat: { id: group.id, title: "Team", type: "group" } });
    const upgraded = sandbox.migrateChat(group.id);
    expect((await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "x" })).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: group chat was upgraded to a supergroup chat",
      parameters: { migrate_to_chat_id: upgraded.id },
    });
    const channel = sandbox.createChat({ type: "channel", title: "News", username: "newschan", bots: [bot] });
    expect((await call(sandbox, token, "sendMessage", { chat_id: "@newschan", text: "x" })).body.description).toBe(
      "Bad Request: need administrator rights in the channel chat",
    );
    sandbox.setMember(channel.id, { bot, status: "administrator" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: "@newschan", text: "x" })).body.result).toMatchObject({
      sender_chat: { id: channel.id, type: "channel" },
    });
  });

  it("replies: to a missing message 400 unless allow_sending_without_reply", async () => {
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "hi" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x", reply_to_message_id: 99 })).body.description).toBe(
      "Bad Request: message to be replied not found",
    );
    const ok = await call(sandbox, token, "sendMessage", { chat_id: user, text: "x", reply_parameters: { message_id: 99, allow_sending_without_reply: true } });
    expect(ok.body.result).not.toHaveProperty("reply_to_message");
  });

  it("editMessageText: own messages only, not the same content twice", async () => {
    const { token, bot, user } = setup();
    const incoming = sandbox.sendUserMessage({ bot, from: user, text: "hi" }).message;
    const mine = (await call(sandbox, token, "sendMessage", { chat_id: user, text: "v1" })).body.result as { message_id: number };
    const edited = await call(sandbox, token, "editMessageText", { chat_id: user, message_id: mine.message_id, text: "v2" });
    expect(edited.body.result).toMatchObject({ message_id: mine.message_id, text: "v2", edit_date: Math.floor(sandbox.clock.now() / 1000) });
    expect((await call(sandbox, token, "editMessageText", { chat_id: user, message_id: mine.message_id, text: "v2" })).body.description).toMatch(
      /^Bad Request: message is not modified: /,
    );
    expect((await call(sandbox, token, "editMessageText", { chat_id: user, message_id: incoming.message_id, text: "x" })).body.description).toBe(
      "Bad Request: message can't be edited",
    );
    expect(sandbox.chatMessages(bot, user).find((m) => m.message_id === mine.message_id)?.text).toBe("v2");
  });

  it("deleteMessage: within 48 hours; others' messages in groups only as an administrator", async () => {
    const { token, bot, user } = setup();
    const group = sandbox.createChat({ bots: [bot] });
    const theirs = sandbox.sendUserMessage({ bot, from: user, chat_id: group.id, text: "spam" }).message.message_id;
    expect((await call(sandbox, token, "deleteMessage", { chat_id: group.id, message_id: theirs })).body.description).toBe(
      "Bad Request: message can't be deleted",
    );
    sandbox.setMember(group.id, { bot, status: "administrator" });
    expect((await call(sandbox, token, "deleteMessage", { chat_id: group.id, message_id: theirs })).body.result).toBe(true);
    expect((await call(sandbox, token, "deleteMessage", { chat_id: group.id, message_id: theirs })).body.description).toBe(
      "Bad Request: message to delete not found",
    );
    const mine = (await call(sandbox, token, "sendMessage", { chat_id: group.id, text: "old" })).body.result as { message_id: number };
    await sandbox.advanceClock(48 * HOUR + SECOND);
    expect((await call(sandbox, token, "deleteMessage", { chat_id: group.id, message_id: mine.message_id })).body.description).toBe(
      "Bad Request: message can't be deleted",
    );
  });

  it("parse modes: HTML, MarkdownV2 and Markdown become text + entities; bad markup is 400", async () => {
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "hi" });
    const send = (text: string, parse_mode: string) => call(sandbox, token, "sendMessage", { chat_id: user, text, parse_mode });
    expect((await send('<a href="https://x.org">link</a> &amp; <code>c</code>', "HTML")).body.result).toMatchObject({
      text: "link & c",
      entities: [
        { type: "text_link", offset: 0, length: 4, url: "https://x.org" },
        { type: "code", offset: 7, length: 1 },
      ],
    });
    expect((await send("*bold* _it_ __u__ ~s~ ||sp|| 1\\.5", "MarkdownV2")).body.result).toMatchObject({
      text: "bold it u s sp 1.5",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "italic", offset: 5, length: 2 },
        { type: "underline", offset: 8, length: 1 },
        { type: "strikethrough", offset: 10, length: 1 },
        { type: "spoiler", offset: 12, length: 2 },
      ],
    });
    expect((await send("*b* [t](https://t.me)", "Markdown")).body.result).toMatchObject({
      text: "b t",
      entities: [{ type: "bold", offset: 0, length: 1 }, { type: "text_link", offset: 2, length: 1, url: "https://t.me" }],
    });
    expect((await send("1.5", "MarkdownV2")).body.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect((await send("<b>open", "HTML")).body.description).toBe('Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"');
    expect((await send("x", "rot13")).body.description).toBe("Bad Request: unsupported parse_mode");
    expect((await send("   ", "")).body.description).toBe("Bad Request: message text is empty");
    expect((await send("x".repeat(4097), "")).body.description).toBe("Bad Request: message is too long");
  });

  it("explicit entities are checked as the server checks them; found types given explicitly are dropped and found again", async () => {
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "hi" });
    const send = (text: string, entities: unknown) => call(sandbox, token, "sendMessage", { chat_id: user, text, entities });
    const refused = async (entities: unknown): Promise<string | undefined> => (await send("abc def", entities)).body.description;
    expect(await refused([{ type: "sparkle", offset: 0, length: 3 }])).toBe("Bad Request: can't parse MessageEntity: Unsupported type specified");
    expect(await refused([{ type: "text_link", offset: 0, length: 3 }])).toBe('Bad Request: can\'t parse MessageEntity: Can\'t find field "url"');
    expect(await refused([{ type: "custom_emoji", offset: 0, length: 3 }])).toBe('Bad Request: can\'t parse MessageEntity: Can\'t find field "custom_emoji_id"');
    expect(await refused([{ type: "bold", length: 3 }])).toBe('Bad Request: can\'t parse MessageEntity: Can\'t find field "offset"');
    expect(await refused([{ type: "bold", offset: "x", length: 3 }])).toBe('Bad Request: can\'t parse MessageEntity: Can\'t parse "x" as number');
    expect(await refused([{ type: "", offset: 0, length: 3 }])).toBe("Bad Request: can't parse MessageEntity: Type is not specified");
    expect(await refused(["bold"])).toBe("Bad Request: can't parse MessageEntity: expected an Object");
    expect(await refused([{ type: "text_mention", offset: 0, length: 3, user: { id: 1 } }])).toBe("Bad Request: have no access to the user");
    // Not JSON, or not an array: no entities, as the server ignores them.
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "abc", entities: "[{" }, "form")).body.result).not.toHaveProperty("entities");

    const ok = await send("see https://a.example and @someone", [
      { type: "bold", offset: 0, length: 3 },
      { type: "url", offset: 0, length: 3 }, // dropped: "see" is no URL
      { type: "mention", offset: 4, length: 5 }, // dropped
      { type: "custom_emoji", offset: 22, length: 3, custom_emoji_id: "5368324170671202286" },
      { type: "text_mention", offset: 26, length: 8, user: { id: user } },
    ]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((ok.body.result as { entities: unknown[] }).entities).toEqual([
      { type: "bold", offset: 0, length: 3 },
      { type: "url", offset: 4, length: 17 },
      { type: "custom_emoji", offset: 22, length: 3, custom_emoji_id: "5368324170671202286" },
      { type: "text_mention", offset: 26, length: 8, user: expect.objectContaining({ id: user, is_bot: false }) },
    ]);
  });

  it("business connections and malformed link_preview_options are refused like the real server", async () => {
    const { token, bot, user } = setup();
    sandbox.sendUserMessage({ bot, from: user, text: "hi" });
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x", business_connection_id: "abc" })).body.description).toBe(
      "Bad Request: business connection not found",
    );
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x", link_preview_options: "[1" }, "form")).body.description).toBe(
      "Bad Request: can't parse link preview options JSON object",
    );
    expect((await call(sandbox, token, "sendMessage", { chat_id: user, text: "x", link_preview_options: { is_disabled: true } })).status).toBe(200);
  });

  it("detects /commands, @mentions, #hashtags and URLs in user messages, as clients see them", () => {
    const { bot, user } = setup();
    const { message } = sandbox.sendUserMessage({ bot, from: user, text: "/help@some_bot see https://example.com #tips @someone" });
    expect(message.entities).toEqual([
      { type: "bot_command", offset: 0, length: 14 },
      { type: "url", offset: 19, length: 19 },
      { type: "hashtag", offset: 39, length: 5 },
      { type: "mention", offset: 45, length: 8 },
    ]);
  });
});

describe("the control API over HTTP", () => {
  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: { ok: boolean; result?: unknown; description?: string } }> {
    const res = await fetch(`${sandbox.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; result?: unknown; description?: string } };
  }

  it("describes itself, and drives a whole conversation", async () => {
    const about = await control("GET", "");
    expect(about.body.result).toMatchObject({ api_root: sandbox.url });
    expect((about.body.result as { routes: string[] }).routes.length).toBeGreaterThan(15);

    const bot = (await control("POST", "/bots", { username: "http_bot", first_name: "HTTP" })).body.result as { id: number; token: string };
    expect(bot.token).toMatch(/^\d+:[A-Za-z0-9_-]{35}$/);
    const user = (await control("POST", "/users", { first_name: "Carol", username: "carol_http" })).body.result as { id: number };
    const written = await control("POST", "/messages", { bot: "http_bot", from: "carol_http", text: "/start" });
    expect(written.body.result).toMatchObject({ message: { text: "/start", chat: { id: user.id } } });
    const updates = await call(sandbox, bot.token, "getUpdates");
    expect(updates.body.result).toHaveLength(1);
    await call(sandbox, bot.token, "sendMessage", { chat_id: user.id, text: "hello Carol" });
    const sent = await control("GET", `/bots/${bot.id}/sent?chat_id=${user.id}`);
    expect(sent.body.result).toEqual([expect.objectContaining({ method: "sendMessage", chat_id: user.id, message: expect.objectContaining({ text: "hello Carol" }) })]);
    const waited = control("GET", `/bots/http_bot/sent?after=1&wait=2000`);
    await tick(20);
    await call(sandbox, bot.token, "sendChatAction", { chat_id: user.id, action: "typing" });
    expect((await waited).body.result).toEqual([expect.objectContaining({ method: "sendChatAction", action: "typing" })]);
    const messages = await control("GET", `/bots/${bot.id}/chats/${user.id}/messages`);
    expect((messages.body.result as Array<{ text: string }>).map((m) => m.text)).toEqual(["/start", "hello Carol"]);
    const revoked = await control("POST", `/bots/${bot.id}/revoke`);
    expect((revoked.body.result as { token: string }).token).not.toBe(bot.token);
    expect((await call(sandbox, bot.token, "getMe")).status).toBe(401);
  });

  it("settings, clock and the test environment", async () => {
    const s = await control("POST", "/settings", { profile: "local", flood: { groupChat: { limit: 5, windowMs: 60_000 } } });
    expect(s.body.result).toMatchObject({ profile: "local", flood: { groupChat: { limit: 5, windowMs: 60_000 }, bot: { limit: 30 } } });
    await control("POST", "/settings", { profile: "cloud", flood: false });
    const before = ((await control("GET", "/clock")).body.result as { now: number }).now;
    const after = await control("POST", "/clock/advance", { seconds: 90 });
    expect((after.body.result as { now: number }).now).toBe(before + 90_000);
    const testBot = (await control("POST", "/test/bots", {})).body.result as { token: string };
    expect((await call(sandbox, testBot.token, "getMe", {}, "json", true)).status).toBe(200);
    expect((await control("GET", "/bots/nope_bot")).status).toBe(404);
    expect((await control("DELETE", "/bots")).status).toBe(405);
  });
});
