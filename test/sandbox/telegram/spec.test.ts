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
  sendDocument: { chat_id: "Bad Request: chat_id is empty", document: "Bad Request: there is no document in the request" },
  sendVideo: { chat_id: "Bad Request: chat_id is empty", video: "Bad Request: there is no video in the request" },
  sendAnimation: { chat_id: "Bad Request: chat_id is empty", animation: "Bad Request: there is no animation in the request" },
  sendAudio: { chat_id: "Bad Request: chat_id is empty", audio: "Bad Request: there is no audio in the request" },
  sendVoice: { chat_id: "Bad Request: chat_id is empty", voice: "Bad Request: there is no voice in the request" },
  sendSticker: { chat_id: "Bad Request: chat_id is empty", sticker: "Bad Request: there is no sticker in the request" },
  sendMediaGroup: { chat_id: "Bad Request: chat_id is empty", media: 'Bad Request: parameter "media" is required' },
  sendLocation: { chat_id: "Bad Request: chat_id is empty", latitude: "Bad Request: latitude is empty", longitude: "Bad Request: longitude is empty" },
  sendVenue: {
    chat_id: "Bad Request: chat_id is empty",
    latitude: "Bad Request: latitude is empty",
    longitude: "Bad Request: longitude is empty",
    title: "ok: the server passes an empty title on to TDLib (Client::process_send_venue_query); the sandbox accepts it",
    address: "ok: the server passes an empty address on to TDLib (Client::process_send_venue_query); the sandbox accepts it",
  },
  sendContact: {
    chat_id: "Bad Request: chat_id is empty",
    phone_number: 'Bad Request: parameter "phone_number" is required',
    first_name: 'Bad Request: parameter "first_name" is required',
  },
  forwardMessage: {
    chat_id: "Bad Request: chat_id is empty",
    from_chat_id: 'Bad Request: parameter "from_chat_id" is required',
    message_id: "Bad Request: message to forward not found",
  },
  copyMessage: {
    chat_id: "Bad Request: chat_id is empty",
    from_chat_id: 'Bad Request: parameter "from_chat_id" is required',
    message_id: "Bad Request: message to copy not found",
  },
  setMessageReaction: { chat_id: "Bad Request: chat_id is empty", message_id: "Bad Request: message to react not found" },
  getFile: { file_id: "Bad Request: file_id not specified" },
  answerCallbackQuery: { callback_query_id: "Bad Request: query is too old and response timeout expired or query ID is invalid" },
  setMyCommands: { commands: "ok: no commands deletes the list (Client::get_bot_commands answers an empty list)" },
};

/** A bot with one user who has written to it, and one message of the bot in that chat. */
async function fixture(): Promise<{ token: string; bot: number; chat: number; botMessage: (extra?: Record<string, unknown>) => Promise<number> }> {
  const bot = sandbox.createBot();
  const user = sandbox.createUser({ first_name: "Spec" });
  sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "hello" });
  const botMessage = async (extra: Record<string, unknown> = {}): Promise<number> => {
    const r = await call(sandbox, bot.token, "sendMessage", { chat_id: user.id, text: "a message of the bot", ...extra });
    return (r.body.result as { message_id: number }).message_id;
  };
  return { token: bot.token, bot: bot.id, chat: user.id, botMessage };
}

/** A document the bot uploaded (multipart): its message id and file_id. */
async function botDocument(f: Awaited<ReturnType<typeof fixture>>): Promise<{ messageId: number; fileId: string }> {
  const r = await call(sandbox, f.token, "sendDocument", { chat_id: f.chat, document: new Blob([Buffer.from("spec document")]) }, "multipart");
  const m = r.body.result as { message_id: number; document: { file_id: string } };
  return { messageId: m.message_id, fileId: m.document.file_id };
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
    case "sendDocument":
      return { chat_id: f.chat, document: "https://example.com/report.pdf", caption: "the report" };
    case "sendVideo":
      return { chat_id: f.chat, video: "https://example.com/clip.mp4", duration: 3, width: 640, height: 360 };
    case "sendAnimation":
      return { chat_id: f.chat, animation: "https://example.com/loop.mp4" };
    case "sendAudio":
      return { chat_id: f.chat, audio: "https://example.com/song.mp3", performer: "Band", title: "Song" };
    case "sendVoice":
      return { chat_id: f.chat, voice: "https://example.com/note.ogg", duration: 2 };
    case "sendSticker":
      return { chat_id: f.chat, sticker: "https://example.com/s.webp", emoji: "👍" };
    case "sendMediaGroup":
      return {
        chat_id: f.chat,
        media: [
          { type: "photo", media: "https://example.com/a.jpg", caption: "first" },
          { type: "video", media: "https://example.com/b.mp4" },
        ],
      };
    case "sendLocation":
      return { chat_id: f.chat, latitude: 51.5, longitude: -0.12, horizontal_accuracy: 20 };
    case "sendVenue":
      return { chat_id: f.chat, latitude: 48.8584, longitude: 2.2945, title: "Tour Eiffel", address: "Champ de Mars", google_place_id: "ChIJLU7jZClu5kcR4PcOOO6p3I0" };
    case "sendContact":
      return { chat_id: f.chat, phone_number: "+15550001111", first_name: "Ada", last_name: "L", vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Ada L\nEND:VCARD" };
    case "forwardMessage":
    case "copyMessage":
      return { chat_id: f.chat, from_chat_id: f.chat, message_id: await f.botMessage() };
    case "editMessageCaption":
      return { chat_id: f.chat, message_id: (await botDocument(f)).messageId, caption: "new caption" };
    case "editMessageReplyMarkup":
      return { chat_id: f.chat, message_id: await f.botMessage(), reply_markup: { inline_keyboard: [[{ text: "go", callback_data: "go" }]] } };
    case "setMessageReaction":
      return { chat_id: f.chat, message_id: await f.botMessage(), reaction: [{ type: "emoji", emoji: "👍" }] };
    case "getFile":
      return { file_id: (await botDocument(f)).fileId };
    case "answerCallbackQuery": {
      const messageId = await f.botMessage({ reply_markup: { inline_keyboard: [[{ text: "press", callback_data: "pressed" }]] } });
      const q = sandbox.pressButton({ bot: f.bot, from: f.chat, message_id: messageId, callback_data: "pressed" });
      return { callback_query_id: q.callback_query_id, text: "thanks" };
    }
    case "setMyCommands":
      return { commands: [{ command: "start", description: "Start" }], scope: { type: "all_private_chats" }, language_code: "en" };
    case "getMyCommands":
    case "deleteMyCommands":
      return { scope: { type: "all_private_chats" }, language_code: "en" };
    case "setMyName":
      return { name: "Spec Bot", language_code: "de" };
    case "getMyName":
      return { language_code: "de" };
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
