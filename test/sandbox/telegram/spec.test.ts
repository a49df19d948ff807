import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createManualClock,
  IMPLEMENTED_METHODS,
  startTelegramSandbox,
  type TelegramSandbox,
} from "../../../sandbox/telegram/index.js";
import { call } from "./helpers.js";
import { checkValue, loadSpec } from "./spec-checker.js";

/**
 * The sandbox against the published Bot API spec (api.json): every implemented method exists,
 * every required parameter is required (with the real server's wording), every result has the
 * shape of the method's return type.
 */
const spec = loadSpec();
let sandbox: TelegramSandbox;

beforeAll(async () => {
  sandbox = await startTelegramSandbox({ clock: createManualClock(Date.UTC(2026, 0, 15, 12)), flood: false });
});
afterAll(() => sandbox.close());

/** What the real server answers when a required parameter is missing (Client.cpp; "ok" where it does not refuse). */
const MISSING: Record<string, Record<string, string>> = {
  setWebhook: { url: "ok: an empty url deletes the webhook (Client::process_set_webhook_query)" },
  sendMessage: { chat_id: "Bad Request: chat_id is empty", text: "Bad Request: message text is empty" },
  sendPhoto: { chat_id: "Bad Request: chat_id is empty", photo: "Bad Request: there is no photo in the request" },
  sendChatAction: { chat_id: "Bad Request: chat_id is empty", action: "Bad Request: wrong parameter action in request" },
  deleteMessage: {
    chat_id: "Bad Request: chat identifier is not specified",
    message_id: "Bad Request: message identifier is not specified",
  },
};

/** A bot with one user who has written to it, and one message of the bot in that chat. */
async function fixture(): Promise<{ token: string; chat: number; botMessage: () => Promise<number> }> {
  const bot = sandbox.createBot();
  const user = sandbox.createUser({ first_name: "Spec" });
  sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "hello" });
  const botMessage = async (): Promise<number> => {
    const r = await call(sandbox, bot.token, "sendMessage", { chat_id: user.id, text: "a message of the bot" });
    return (r.body.result as { message_id: number }).message_id;
  };
  return { token: bot.token, chat: user.id, botMessage };
}

/** Valid parameters of every implemented method. */
async function validParams(method: string, f: Awaited<ReturnType<typeof fixture>>): Promise<Record<string, unknown>> {
  switch (method) {
    case "getUpdates":
      return { timeout: 0 };
    case "setWebhook":
      return { url: "http://127.0.0.1:9/hook", secret_token: "s3cret" };
    case "sendMessage":
      return { chat_id: f.chat, text: "Hi <b>there</b>, see https://example.com", parse_mode: "HTML" };
    case "sendPhoto":
      return { chat_id: f.chat, photo: "https://example.com/cat.jpg", caption: "a *cat*", parse_mode: "MarkdownV2" };
    case "sendChatAction":
      return { chat_id: f.chat, action: "typing" };
    case "editMessageText":
      return { chat_id: f.chat, message_id: await f.botMessage(), text: "edited", reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] } };
    case "deleteMessage":
      return { chat_id: f.chat, message_id: await f.botMessage() };
    default:
      return {};
  }
}

describe("methods against api.json", () => {
  it("implements only methods the Bot API has, under their documented names", () => {
    expect(IMPLEMENTED_METHODS.length).toBeGreaterThanOrEqual(12);
    for (const m of IMPLEMENTED_METHODS) expect(spec.methods[m], m).toBeDefined();
  });

  it("has an expected answer for every required parameter of every implemented method", () => {
    for (const m of IMPLEMENTED_METHODS) {
      const required = (spec.methods[m]?.fields ?? []).filter((f) => f.required).map((f) => f.name);
      expect(Object.keys(MISSING[m] ?? {}).sort(), m).toEqual(required.sort());
    }
  });

  for (const method of IMPLEMENTED_METHODS) {
    const required = (spec.methods[method]?.fields ?? []).filter((f) => f.required);
    for (const field of required) {
      it(`${method} without ${field.name} answers as the real server`, async () => {
        const f = await fixture();
        const params = await validParams(method, f);
        delete params[field.name];
        const r = await call(sandbox, f.token, method, params);
        const expected = MISSING[method]?.[field.name] ?? "";
        if (expected.startsWith("ok")) {
          expect(r.status).toBe(200);
          expect(r.body.ok).toBe(true);
        } else {
          expect(r.status).toBe(400);
          expect(r.body).toEqual({ ok: false, error_code: 400, description: expected });
        }
      });
    }

    it(`${method}: the result has the shape of ${spec.methods[method]?.returns.join(" or ")}`, async () => {
      const f = await fixture();
      if (method === "close") await sandbox.advanceClock(10 * 60 * 1000);
      if (method === "getUpdates") {
        // One update of each kind the sandbox makes: a private message with a command and a reply.
        const bot = sandbox.listBots().find((b) => b.token === f.token)!;
        const sent = await call(sandbox, f.token, "sendMessage", { chat_id: f.chat, text: "question" });
        const mid = (sent.body.result as { message_id: number }).message_id;
        sandbox.sendUserMessage({ bot: bot.id, from: f.chat, text: "/start@x_bot #tag @someone", reply_to_message_id: mid });
      }
      const r = await call(sandbox, f.token, method, await validParams(method, f));
      expect(r.body.ok, JSON.stringify(r.body)).toBe(true);
      expect(checkValue(spec, r.body.result, spec.methods[method]!.returns)).toEqual([]);
      if (method === "getUpdates") expect((r.body.result as unknown[]).length).toBe(2);
    });
  }

  it("editMessageText: the parameters required only in combination answer as the real server", async () => {
    // api.json (Bot API 10.1) marks none of them required: text is needed unless rich_message is
    // given; chat_id + message_id unless inline_message_id is.
    const f = await fixture();
    const id = await f.botMessage();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ chat_id: f.chat, message_id: id }, "Bad Request: message text is empty"],
      [{ text: "x" }, "Bad Request: message identifier is not specified"],
      [{ chat_id: f.chat, text: "x" }, "Bad Request: message to edit not found"],
      [{ message_id: id, text: "x" }, "Bad Request: chat_id is empty"],
    ];
    for (const [params, description] of cases) {
      expect((await call(sandbox, f.token, "editMessageText", params)).body).toEqual({ ok: false, error_code: 400, description });
    }
  });

  it("getWebhookInfo with a webhook, its error and allowed_updates has the WebhookInfo shape", async () => {
    const f = await fixture();
    await call(sandbox, f.token, "setWebhook", { url: "http://127.0.0.1:9/hook", allowed_updates: ["message", "chat_member"] });
    const r = await call(sandbox, f.token, "getWebhookInfo");
    expect(checkValue(spec, r.body.result, ["WebhookInfo"])).toEqual([]);
    expect(r.body.result).toMatchObject({ url: "http://127.0.0.1:9/hook", allowed_updates: ["message", "chat_member"], max_connections: 40 });
  });

  it("messages in groups, channels, with photos and keyboards have the Message shape", async () => {
    const bot = sandbox.createBot();
    const user = sandbox.createUser();
    const group = sandbox.createChat({ type: "supergroup", title: "Spec", username: "specgroup", bots: [bot.id], members: [user.id] });
    const channel = sandbox.createChat({ type: "channel", title: "News", bots: [{ bot: bot.id, status: "administrator" }] });
    const inGroup = sandbox.sendUserMessage({ bot: bot.id, from: user.id, chat_id: group.id, text: "hi all" });
    const results = [
      inGroup.message,
      sandbox.sendUserMessage({ bot: bot.id, from: user.id, chat_id: channel.id, text: "post" }).message,
      (await call(sandbox, bot.token, "sendMessage", { chat_id: "@specgroup", text: "reply", reply_parameters: { message_id: inGroup.message.message_id } })).body.result,
      (await call(sandbox, bot.token, "sendMessage", { chat_id: channel.id, text: "news", reply_markup: { inline_keyboard: [[{ text: "site", url: "https://example.com" }]] } })).body.result,
      (await call(sandbox, bot.token, "sendPhoto", { chat_id: group.id, photo: new Blob([Buffer.alloc(2048)]), caption: "upload" }, "multipart")).body.result,
    ];
    for (const m of results) expect(checkValue(spec, m, ["Message"]), JSON.stringify(m)).toEqual([]);
  });
});
