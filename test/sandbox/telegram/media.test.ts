/**
 * The Telegram sandbox's message methods beyond text, with grammY's `Api` as the client: media
 * uploads of every kind and their bytes back through getFile and the download path, albums,
 * locations and contacts, forwards and copies, caption and keyboard edits, reactions, the bot's
 * commands and names, callback queries; and the users' side through the control API (media,
 * edits, reactions, button presses) as a bot receives them.
 */
import { createHash } from "node:crypto";
import { Api, GrammyError, InputFile, InputMediaBuilder } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { call } from "./helpers.js";

let sandbox: TelegramSandbox;
beforeAll(async () => {
  sandbox = await startTelegramSandbox({ clock: createManualClock(Date.UTC(2026, 5, 1)), flood: false });
});
afterAll(() => sandbox.close());

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** A bot with its grammY Api, and a user who has written to it. */
function setup(): { api: Api; token: string; bot: number; user: number } {
  const b = sandbox.createBot();
  const u = sandbox.createUser({ first_name: "Mia" });
  sandbox.sendUserMessage({ bot: b.id, from: u.id, text: "hi" });
  return { api: new Api(b.token, { apiRoot: sandbox.url }), token: b.token, bot: b.id, user: u.id };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GrammyError) return e.description;
    throw e;
  }
  throw new Error("expected the call to be refused");
}

/** Downloads `file_path` of the bot the way clients do: `${apiRoot}/file/bot<token>/<file_path>`. */
async function download(token: string, filePath: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const res = await fetch(`${sandbox.url}/file/bot${token}/${filePath}`);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") };
}

describe("media uploads, getFile and downloads", () => {
  it("sends each kind of file; getFile and the download path give back the same bytes", async () => {
    const { api, token, user } = setup();
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: 3000 + n }, (_, i) => (i * 7 + n) & 255));
    const doc = await api.sendDocument(user, new InputFile(bytes(1), "report.pdf"), { caption: "the *report*", parse_mode: "MarkdownV2" });
    expect(doc.document).toMatchObject({ file_name: "report.pdf", mime_type: "application/pdf", file_size: 3001 });
    expect([doc.caption, doc.caption_entities]).toEqual(["the report", [{ type: "bold", offset: 4, length: 6 }]]);
    const video = await api.sendVideo(user, new InputFile(bytes(2), "clip.mp4"), { duration: 4, width: 640, height: 360 });
    expect(video.video).toMatchObject({ duration: 4, width: 640, height: 360, mime_type: "video/mp4", file_size: 3002 });
    const audio = await api.sendAudio(user, new InputFile(bytes(3), "song.mp3"), { performer: "Band", title: "Song", duration: 61 });
    expect(audio.audio).toMatchObject({ performer: "Band", title: "Song", duration: 61 });
    const voice = await api.sendVoice(user, new InputFile(bytes(4), "note.ogg"), { duration: 2 });
    expect(voice.voice).toMatchObject({ duration: 2, mime_type: "audio/ogg" });
    const sticker = await api.sendSticker(user, new InputFile(bytes(5), "s.webp"), { emoji: "😀" });
    expect(sticker.sticker).toMatchObject({ type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "😀" });
    const photo = await api.sendPhoto(user, new InputFile(bytes(6), "p.jpg"));
    expect(photo.photo?.map((p) => p.width)).toEqual([90, 320, 800]);

    const files: Array<[string, Buffer]> = [
      [doc.document!.file_id, bytes(1)],
      [video.video!.file_id, bytes(2)],
      [audio.audio!.file_id, bytes(3)],
      [voice.voice!.file_id, bytes(4)],
      [sticker.sticker!.file_id, bytes(5)],
      [photo.photo![2]!.file_id, bytes(6)],
    ];
    const paths = new Set<string>();
    for (const [fileId, content] of files) {
      const f = await api.getFile(fileId);
      expect(f).toMatchObject({ file_id: fileId, file_size: content.length });
      paths.add(f.file_path!);
      const d = await download(token, f.file_path!);
      expect(d.status).toBe(200);
      expect(sha256(d.bytes)).toBe(sha256(content));
    }
    expect(paths.size).toBe(files.length);
    expect([...paths].find((p) => p.startsWith("documents/"))).toMatch(/^documents\/file_\d+\.pdf$/);

    // A file_id can be sent again as the same kind; another kind, or a foreign id, is refused.
    const again = await api.sendDocument(user, doc.document!.file_id);
    expect(again.document?.file_id).toBe(doc.document!.file_id);
    expect(await refusal(api.sendVideo(user, doc.document!.file_id))).toBe("Bad Request: type of file mismatch");
    expect(await refusal(api.sendDocument(user, "not-a-file-id"))).toBe("Bad Request: wrong file identifier/HTTP URL specified");
    const other = setup();
    expect(await refusal(other.api.getFile(doc.document!.file_id))).toBe("Bad Request: invalid file_id");
    expect((await download(other.token, [...paths][0]!)).status).toBe(404);
    expect((await download(token, "documents/file_999999.pdf")).status).toBe(404);
  });

  it("a file sent by URL is not fetched: its download says so; over 20 MB getFile is 'file is too big' on the cloud profile", async () => {
    const { api, token, user } = setup();
    const m = await api.sendDocument(user, "https://example.com/files/manual.pdf");
    expect(m.document).toMatchObject({ file_name: "manual.pdf" });
    const f = await api.getFile(m.document!.file_id);
    const d = await download(token, f.file_path!);
    expect(d.status).toBe(404);
    expect(JSON.parse(d.bytes.toString()).description).toContain("does not fetch URLs");
    const big = await api.sendDocument(user, new InputFile(Buffer.alloc((20 << 20) + 1), "big.bin"));
    expect(await refusal(api.getFile(big.document!.file_id))).toBe("Bad Request: file is too big");
    sandbox.setProfile("local");
    try {
      expect((await api.getFile(big.document!.file_id)).file_size).toBe((20 << 20) + 1);
    } finally {
      sandbox.setProfile("cloud");
    }
  });

  it("sendMediaGroup sends an album of uploads with one media_group_id; bad albums are refused", async () => {
    const { api, token, user } = setup();
    const album = (await api.sendMediaGroup(user, [
      InputMediaBuilder.photo(new InputFile(Buffer.alloc(500, 1), "a.jpg"), { caption: "first" }),
      InputMediaBuilder.video(new InputFile(Buffer.alloc(700, 2), "b.mp4")),
    ])) as Array<{ media_group_id?: string; caption?: string; photo?: unknown[]; video?: { file_size?: number } }>;
    expect(album).toHaveLength(2);
    expect(album[0]!.media_group_id).toBeDefined();
    expect(album[1]!.media_group_id).toBe(album[0]!.media_group_id);
    expect([album[0]!.caption, album[0]!.photo?.length, album[1]!.video?.file_size]).toEqual(["first", 3, 700]);
    expect((await call(sandbox, token, "sendMediaGroup", { chat_id: user, media: [{ type: "photo", media: "https://e.com/a.jpg" }] })).body.description).toBe(
      "Bad Request: media must include 2-10 items",
    );
    expect((await call(sandbox, token, "sendMediaGroup", { chat_id: user, media: [{ type: "sticker", media: "x" }, { type: "photo", media: "y" }] })).body.description).toBe(
      'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported',
    );
    expect((await call(sandbox, token, "sendMediaGroup", { chat_id: user, media: [{ type: "photo" }, { type: "photo", media: "y" }] })).body.description).toBe(
      "Bad Request: can't parse InputMedia: media not found",
    );
    expect((await call(sandbox, token, "sendMediaGroup", { chat_id: user, media: "[" })).body.description).toBe("Bad Request: can't parse media JSON object");
  });
});

describe("locations, contacts, forwards, copies", () => {
  it("sends a location and a contact; bad coordinates are refused", async () => {
    const { api, token, user } = setup();
    const loc = await api.sendLocation(user, 48.8584, 2.2945, { horizontal_accuracy: 25 });
    expect(loc.location).toEqual({ latitude: 48.8584, longitude: 2.2945, horizontal_accuracy: 25 });
    const contact = await api.sendContact(user, "+15551234567", "Ada", { last_name: "Lovelace", vcard: "BEGIN:VCARD\nEND:VCARD" });
    expect(contact.contact).toEqual({ phone_number: "+15551234567", first_name: "Ada", last_name: "Lovelace", vcard: "BEGIN:VCARD\nEND:VCARD" });
    expect((await call(sandbox, token, "sendLocation", { chat_id: user, latitude: 91, longitude: 0 })).body.description).toBe("Bad Request: location is invalid");
  });

  it("forwards a user's message with forward_origin; copies a document with a new caption and answers a MessageId", async () => {
    const { api, bot, user } = setup();
    const said = sandbox.sendUserMessage({ bot, from: user, text: "forward me" }).message;
    const fwd = await api.forwardMessage(user, user, said.message_id);
    expect(fwd).toMatchObject({ text: "forward me", forward_origin: { type: "user", date: said.date, sender_user: { id: user } } });
    const doc = await api.sendDocument(user, new InputFile(Buffer.from("copy me"), "c.txt"), { caption: "old" });
    const copy = await api.copyMessage(user, user, doc.message_id, { caption: "new" });
    const copied = sandbox.chatMessages(bot, user).find((m) => m.message_id === copy.message_id)!;
    expect(copied).toMatchObject({ caption: "new", document: { file_id: doc.document!.file_id } });
    expect(copied.forward_origin).toBeUndefined();
    expect(await refusal(api.forwardMessage(user, user, 9999))).toBe("Bad Request: message to forward not found");
  });
});

describe("edits and reactions", () => {
  it("edits a caption and a keyboard of the bot's own message; the same again is 'not modified'", async () => {
    const { api, bot, user } = setup();
    const doc = await api.sendDocument(user, new InputFile(Buffer.from("x"), "x.txt"), { caption: "v1" });
    const edited = await api.editMessageCaption(user, doc.message_id, { caption: "v2" });
    expect(edited).toMatchObject({ caption: "v2", edit_date: expect.any(Number) });
    expect(await refusal(api.editMessageCaption(user, doc.message_id, { caption: "v2" }))).toMatch(/^Bad Request: message is not modified/);
    const text = await api.sendMessage(user, "plain");
    expect(await refusal(api.editMessageCaption(user, text.message_id, { caption: "c" }))).toBe("Bad Request: there is no caption in the message to edit");
    const keyboard = { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] };
    expect(await api.editMessageReplyMarkup(user, text.message_id, { reply_markup: keyboard })).toMatchObject({ reply_markup: keyboard });
    const gone = await api.editMessageReplyMarkup(user, text.message_id);
    expect(gone).not.toHaveProperty("reply_markup");
    const mine = sandbox.sendUserMessage({ bot, from: user, text: "user's" }).message;
    expect(await refusal(api.editMessageCaption(user, mine.message_id, { caption: "c" }))).toBe("Bad Request: message can't be edited");
  });

  it("sets a reaction from the documented emoji; more than one, or another emoji, is refused", async () => {
    const { api, bot, user } = setup();
    const said = sandbox.sendUserMessage({ bot, from: user, text: "react to me" }).message;
    expect(await api.setMessageReaction(user, said.message_id, [{ type: "emoji", emoji: "👍" }])).toBe(true);
    expect(sandbox.sent(bot).at(-1)).toMatchObject({ method: "setMessageReaction", message_id: said.message_id, reaction: [{ type: "emoji", emoji: "👍" }] });
    expect(await refusal(api.setMessageReaction(user, said.message_id, [{ type: "emoji", emoji: "👍" }, { type: "emoji", emoji: "🔥" }]))).toBe("Bad Request: REACTIONS_TOO_MANY");
    expect(await refusal(api.setMessageReaction(user, said.message_id, [{ type: "emoji", emoji: "🦆" as "👍" }]))).toBe("Bad Request: REACTION_INVALID");
    expect(await refusal(api.setMessageReaction(user, 4242, []))).toBe("Bad Request: message to react not found");
    expect(await api.setMessageReaction(user, said.message_id, [])).toBe(true);
  });
});

describe("the bot's commands and names", () => {
  it("keeps commands per scope and language; checks them; the default name is the bot's first_name", async () => {
    const { api } = setup();
    await api.setMyCommands([{ command: "start", description: "Start" }, { command: "/help", description: "Help" }], { scope: { type: "all_private_chats" }, language_code: "en" });
    expect(await api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "en" })).toEqual([
      { command: "start", description: "Start" },
      { command: "help", description: "Help" },
    ]);
    expect(await api.getMyCommands()).toEqual([]);
    expect(await refusal(api.setMyCommands([{ command: "Bad Command", description: "x" }]))).toBe("Bad Request: BOT_COMMAND_INVALID");
    expect(await refusal(api.setMyCommands([{ command: "ok", description: "" }]))).toBe("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
    await api.deleteMyCommands({ scope: { type: "all_private_chats" }, language_code: "en" });
    expect(await api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "en" })).toEqual([]);

    await api.setMyName("Helper");
    expect((await api.getMe()).first_name).toBe("Helper");
    await api.setMyName("Helfer", { language_code: "de" });
    expect(await api.getMyName({ language_code: "de" })).toEqual({ name: "Helfer" });
    expect(await api.getMyName({ language_code: "fr" })).toEqual({ name: "Helper" });
    expect(await refusal(api.setMyName("x".repeat(65)))).toBe("Bad Request: name is too long");
  });
});

describe("the users' side", () => {
  /** The updates waiting for the bot, by type (getUpdates without confirming). */
  async function updates(token: string): Promise<Array<Record<string, unknown>>> {
    return (await call(sandbox, token, "getUpdates", { timeout: 0 })).body.result as Array<Record<string, unknown>>;
  }

  it("a user's document reaches the bot with its metadata, and the bot downloads the same bytes", async () => {
    const { api, token, bot, user } = setup();
    const content = Buffer.from("%PDF-1.7 a user's document");
    const { message } = sandbox.sendUserMessage({ bot, from: user, document: { data: content.toString("base64"), file_name: "scan.pdf", mime_type: "application/pdf" }, caption: "my scan" });
    expect(message).toMatchObject({ caption: "my scan", document: { file_name: "scan.pdf", mime_type: "application/pdf", file_size: content.length } });
    const last = (await updates(token)).at(-1)!;
    expect((last.message as { document: { file_id: string } }).document.file_id).toBe(message.document!.file_id);
    const f = await api.getFile(message.document!.file_id);
    expect(sha256((await download(token, f.file_path!)).bytes)).toBe(sha256(content));
    const viaControl = (await (await fetch(`${sandbox.controlUrl}/bots/${bot}/files/${encodeURIComponent(message.document!.file_id)}`)).json()) as { result: { sha256: string } };
    expect(viaControl.result.sha256).toBe(sha256(content));
  });

  it("photos, locations and contacts from users; one content kind per message", async () => {
    const { bot, user } = setup();
    const photo = sandbox.sendUserMessage({ bot, from: user, photo: { data: Buffer.alloc(900, 3).toString("base64") } }).message;
    expect(photo.photo?.map((p) => p.file_size)).toEqual([900, 900, 900]);
    expect(sandbox.sendUserMessage({ bot, from: user, location: { latitude: 1.5, longitude: 2.5 } }).message.location).toEqual({ latitude: 1.5, longitude: 2.5 });
    expect(sandbox.sendUserMessage({ bot, from: user, contact: { phone_number: "+1555", first_name: "Bo" } }).message.contact).toEqual({ phone_number: "+1555", first_name: "Bo" });
    expect(() => sandbox.sendUserMessage({ bot, from: user, text: "x", location: { latitude: 0, longitude: 0 } })).toThrow(/exactly one/);
    expect(() => sandbox.sendUserMessage({ bot, from: user })).toThrow(/exactly one/);
  });

  it("edits become edited_message; reactions become message_reaction only when asked for", async () => {
    const { token, bot, user } = setup();
    const said = sandbox.sendUserMessage({ bot, from: user, text: "tpyo" }).message;
    const { message } = sandbox.editUserMessage({ bot, from: user, message_id: said.message_id, text: "typo" });
    expect(message).toMatchObject({ text: "typo", edit_date: expect.any(Number) });
    expect((await updates(token)).at(-1)).toMatchObject({ edited_message: { message_id: said.message_id, text: "typo" } });
    // Not in the default allowed_updates.
    expect(sandbox.reactToMessage({ bot, from: user, message_id: said.message_id, reaction: ["👍"] }).update_id).toBeNull();
    await call(sandbox, token, "getUpdates", { timeout: 0, allowed_updates: ["message", "message_reaction"] });
    const r = sandbox.reactToMessage({ bot, from: user, message_id: said.message_id, reaction: ["🔥"] });
    expect(r.update_id).not.toBeNull();
    expect((await updates(token)).at(-1)).toMatchObject({
      message_reaction: { message_id: said.message_id, user: { id: user }, old_reaction: [{ type: "emoji", emoji: "👍" }], new_reaction: [{ type: "emoji", emoji: "🔥" }] },
    });
    expect(() => sandbox.reactToMessage({ bot, from: user, message_id: said.message_id, reaction: ["🦆"] })).toThrow(/not one of the reaction emoji/);
  });

  it("a button press is a callback_query the bot answers once, within the window", async () => {
    const { api, token, bot, user } = setup();
    const m = await api.sendMessage(user, "choose", { reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } });
    const q = sandbox.pressButton({ bot, from: user, message_id: m.message_id, callback_data: "a" });
    expect((await updates(token)).at(-1)).toMatchObject({ callback_query: { id: q.callback_query_id, data: "a", from: { id: user }, message: { message_id: m.message_id }, chat_instance: expect.any(String) } });
    expect(await api.answerCallbackQuery(q.callback_query_id, { text: "picked A" })).toBe(true);
    expect(sandbox.sent(bot).at(-1)).toMatchObject({ method: "answerCallbackQuery", callback: { callback_query_id: q.callback_query_id, text: "picked A" } });
    const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid";
    expect(await refusal(api.answerCallbackQuery(q.callback_query_id))).toBe(tooOld);
    const late = sandbox.pressButton({ bot, from: user, message_id: m.message_id, callback_data: "a" });
    await sandbox.advanceClock(16_000);
    expect(await refusal(api.answerCallbackQuery(late.callback_query_id))).toBe(tooOld);
    expect(() => sandbox.pressButton({ bot, from: user, message_id: m.message_id, callback_data: "b" })).toThrow(/no inline button/);
  });
});
