import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/connectors/telegram/rate-limit.js";
import { rejection, tgHarness, type TgHarness } from "./harness.js";

let h: TgHarness;
beforeAll(async () => {
  h = await tgHarness();
});
afterAll(async () => {
  await h.dispose();
});

describe("telegram connector: input", () => {
  it("declares the platform as data", () => {
    const p = h.gateway.platforms().find((x) => x.platform === "telegram")!;
    expect(p.capabilities).toMatchObject({ login: [{ method: "token" }], remoteLogout: false, send: true });
    expect(p.actions.map((a) => [a.name, a.confirm === true])).toEqual([
      ["log-out-cloud", true],
      ["use-cloud", false],
      ["close-bot", true],
    ]);
    expect(Object.keys((p.configSchema as unknown as { properties: object }).properties).join()).not.toMatch(/token|secret/i);
  });

  it("fills in the config defaults", async () => {
    const { instance } = await h.gateway.createInstance({ name: "defaults", platform: "telegram" });
    expect(instance.config).toEqual({
      apiRoot: "https://api.telegram.org",
      environment: "production",
      mode: "polling",
      pollTimeoutS: 25,
      includeRaw: false,
      cloudLockedUntil: null,
    });
  });

  it.each([
    [{ mode: "carrier-pigeon" }],
    [{ pollTimeoutS: 51 }],
    [{ pollTimeoutS: -1 }],
    [{ environment: "staging" }],
    [{ apiRoot: "ftp://example.com" }],
    [{ allowedUpdates: "message" }],
    [{ token: "123:abc" }],
  ])("refuses the config %j: VALIDATION_FAILED", async (config) => {
    const e = await rejection(h.gateway.createInstance({ name: `bad-${Math.random().toString(36).slice(2, 8)}`, platform: "telegram", config }));
    expect(e.code).toBe("VALIDATION_FAILED");
  });

  it.each([["not-a-token"], ["123:short"], [`abc:${"A".repeat(35)}`], [""]])("refuses the token %j: VALIDATION_FAILED, nothing stored", async (token) => {
    const name = `tok-${Math.random().toString(36).slice(2, 8)}`;
    await h.gateway.createInstance({ name, platform: "telegram", config: { apiRoot: h.sandbox.url } });
    const e = await rejection(h.gateway.connect(name, { login: { method: "token", input: { token } } }));
    expect(e.code).toBe("VALIDATION_FAILED");
    expect((await h.gateway.getInstance(name)).hasCredentials).toBe(false);
  });

  it("connect without a login asks for the token", async () => {
    await h.gateway.createInstance({ name: "nologin", platform: "telegram", config: { apiRoot: h.sandbox.url } });
    expect(await rejection(h.gateway.connect("nologin"))).toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("outbound pacing (RateLimiter)", () => {
  it("spaces one chat by perChatMs and the bot by 1000/perSecond, filling gaps", () => {
    let now = 0;
    const rl = new RateLimiter({ perChatMs: 1000, perSecond: 10 }, () => now);
    expect(rl.reserve("a")).toBe(0);
    expect(rl.reserve("a")).toBe(1000);
    expect(rl.reserve("b")).toBe(100); // bot-wide spacing from the slot at 0
    expect(rl.reserve("c")).toBe(200);
    expect(rl.peek("a")).toBe(2000);
    expect(rl.reserve("a", 500)).toBeNull(); // over budget: nothing reserved
    expect(rl.peek("a")).toBe(2000);
    now = 5000;
    expect(rl.reserve("a")).toBe(0);
    rl.backOff("a", 3000);
    expect(rl.peek("a")).toBe(3000);
  });

  it("never puts more than perSecond messages in any second", () => {
    const rl = new RateLimiter({ perChatMs: 0, perSecond: 30 }, () => 0);
    const slots = Array.from({ length: 90 }, (_, i) => rl.reserve(`chat${i}`)!);
    for (const s of slots) expect(slots.filter((t) => t >= s && t < s + 1000).length).toBeLessThanOrEqual(30);
  });
});
