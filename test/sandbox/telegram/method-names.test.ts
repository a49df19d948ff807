/**
 * The sandbox knows every Bot API method by name (specs/telegram-bot-api/api.json): a real method it
 * does not implement answers 501 saying so, with the list of the implemented ones, as grammY sees
 * it; a name that is no Bot API method keeps the real server's 404 "method not found".
 */
import { readFileSync } from "node:fs";
import { Api, GrammyError } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_API_METHODS } from "../../../sandbox/telegram/bot-api-methods.js";
import { startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { IMPLEMENTED_METHODS } from "../../../sandbox/telegram/methods/index.js";
import { REACTION_EMOJI } from "../../../sandbox/telegram/reactions.js";
import { call } from "./helpers.js";

const spec = JSON.parse(readFileSync(new URL("../../../specs/telegram-bot-api/api.json", import.meta.url), "utf8")) as {
  methods: Record<string, unknown>;
  types: Record<string, { fields: Array<{ name: string; description: string }> }>;
};

let sandbox: TelegramSandbox;
beforeAll(async () => {
  sandbox = await startTelegramSandbox({ flood: false });
});
afterAll(() => sandbox.close());

describe("data copied from the spec", () => {
  it("the reaction emoji are those ReactionTypeEmoji documents", () => {
    const description = spec.types.ReactionTypeEmoji!.fields.find((f) => f.name === "emoji")!.description;
    const documented = [...description.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(50);
    expect([...REACTION_EMOJI].sort()).toEqual(documented.sort());
  });
});

describe("Bot API method names", () => {
  it("lists exactly the spec's methods, and implements only methods of the spec", () => {
    expect([...BOT_API_METHODS].sort()).toEqual(Object.keys(spec.methods).sort());
    for (const m of IMPLEMENTED_METHODS) expect(BOT_API_METHODS, m).toContain(m);
  });

  it("answers a real method it lacks with 501 naming it and the implemented ones; an unknown name with 404", async () => {
    const missing = BOT_API_METHODS.find((m) => !IMPLEMENTED_METHODS.includes(m) && m === "sendDice");
    expect(missing, "pick a method the sandbox does not implement").toBe("sendDice");
    const bot = sandbox.createBot();
    const api = new Api(bot.token, { apiRoot: sandbox.url });
    const e = await api.sendDice(1, "🎲").then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(GrammyError);
    const g = e as GrammyError;
    expect(g.error_code).toBe(501);
    expect(g.description).toContain("does not implement sendDice");
    for (const m of IMPLEMENTED_METHODS) expect(g.description).toContain(m);
    // Case-insensitive as the server matches names; the answer names the method as documented.
    expect((await call(sandbox, bot.token, "SENDDICE", { chat_id: 1 })).body).toMatchObject({ ok: false, error_code: 501, description: expect.stringContaining("sendDice") });
    expect((await call(sandbox, bot.token, "getYou")).body).toEqual({ ok: false, error_code: 404, description: "Not Found: method not found" });
  });
});
