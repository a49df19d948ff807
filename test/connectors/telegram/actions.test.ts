import { Api, GrammyError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { err } from "../../../src/core/errors.js";
import { UrlGuard } from "../../../src/net/url-guard.js";
import { rejection, tgHarness, until, type TgHarness } from "./harness.js";

const TEN_MINUTES = 10 * 60 * 1000;

let h: TgHarness | undefined;
let sandbox: TelegramSandbox | undefined;
afterEach(async () => {
  await h?.dispose();
  await sandbox?.close();
  h = undefined;
  sandbox = undefined;
});

/**
 * One sandbox plays both servers: its url is "the cloud" (the connector's `cloudApiRoot`), and the
 * same server reached through another loopback address is "the local Bot API server". Its profile
 * decides which rules apply: "cloud" refuses a logged-out bot for 10 minutes, "local" serves it.
 */
async function cloudAndLocal(
  profile: "cloud" | "local" = "cloud",
  urlGuard?: UrlGuard,
): Promise<{ h: TgHarness; cloud: string; local: string }> {
  sandbox = await startTelegramSandbox({ port: 0, host: "0.0.0.0", profile, log: () => {} });
  const cloud = sandbox.url;
  const local = cloud.replace("127.0.0.1", "127.0.0.2");
  h = await tgHarness({ useSandbox: sandbox, connector: { cloudApiRoot: cloud }, ...(urlGuard ? { gateway: { urlGuard } } : {}) });
  return { h, cloud, local };
}

describe("telegram connector: moving between the cloud and a local Bot API server", () => {
  it("log-out-cloud points the instance at the local server; use-cloud is refused until the 10-minute lockout has passed", async () => {
    const { h, cloud, local } = await cloudAndLocal("cloud");
    const sb = h.sandbox;
    const bot = sb.createBot();
    const user = sb.createUser();
    await h.connectBot("mover", bot.token, { apiRoot: cloud });
    await h.gateway.close("mover");

    const t0 = sb.clock.now();
    const out = (await h.gateway.runAction("mover", "log-out-cloud", { localApiRoot: local })) as { loggedOut: boolean; cloudLockedUntil: number };
    expect(out.loggedOut).toBe(true);
    expect(out.cloudLockedUntil).toBeGreaterThanOrEqual(t0 + TEN_MINUTES);
    expect(out.cloudLockedUntil).toBeLessThan(t0 + TEN_MINUTES + 5_000);
    expect((await h.gateway.getInstance("mover")).config).toMatchObject({ apiRoot: local, cloudLockedUntil: out.cloudLockedUntil });

    // The cloud now refuses the bot ("Logged out").
    const refused = await new Api(bot.token, { apiRoot: cloud }).getMe().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GrammyError);
    expect((refused as GrammyError).description).toBe("Logged out");
    // log-out-cloud again: the instance is no longer on the cloud.
    expect(await rejection(h.gateway.runAction("mover", "log-out-cloud", { localApiRoot: local }))).toMatchObject({ code: "INVALID_STATE" });

    // The sandbox plays the local server now: the bot connects there and receives.
    sb.setProfile("local");
    await h.gateway.connect("mover", { wait: "connected", timeoutMs: 5_000 });
    sb.sendUserMessage({ bot: bot.id, from: user.id, text: "via local" });
    await until(() => h.received("mover").some((e) => e.data.body === "via local"));

    // Back to the cloud: refused with the time left…
    await sb.advanceClock(4 * 60 * 1000);
    const early = await rejection(h.gateway.runAction("mover", "use-cloud", {}));
    expect(early).toMatchObject({ code: "INVALID_STATE", details: { cloudLockedUntil: out.cloudLockedUntil } });
    expect(early.message).toMatch(/^The bot logged out of the cloud Bot API; it can return in \d+s\.$/);
    expect(early.retryAfterMs).toBeGreaterThan(5 * 60 * 1000);
    expect(early.retryAfterMs).toBeLessThanOrEqual(6 * 60 * 1000 + 5_000);

    // …and accepted once the clock passed the 10 minutes; the live session restarts on the cloud.
    await sb.advanceClock(6 * 60 * 1000 + 1_000);
    sb.setProfile("cloud");
    expect(await h.gateway.runAction("mover", "use-cloud", {})).toEqual({ apiRoot: cloud, cloudLockedUntil: null });
    const back = await h.gateway.connect("mover", { wait: "connected", timeoutMs: 5_000 });
    expect(back.status.state).toBe("connected");
    expect(back.config).toMatchObject({ apiRoot: cloud, cloudLockedUntil: null });
    sb.sendUserMessage({ bot: bot.id, from: user.id, text: "via cloud" });
    await until(() => h.received("mover").some((e) => e.data.body === "via cloud"));
  });

  it("log-out-cloud with a live session: the session restarts on the local server without a failure", async () => {
    const { h, cloud, local } = await cloudAndLocal("local");
    const bot = h.sandbox.createBot();
    const user = h.sandbox.createUser();
    await h.connectBot("live", bot.token, { apiRoot: cloud });
    await until(() => h.sandbox.getBot(bot.id).waiting_get_updates, 2_000, "a waiting poll");
    await h.gateway.runAction("live", "log-out-cloud", { localApiRoot: local });
    const v = await h.gateway.connect("live", { wait: "connected", timeoutMs: 5_000 });
    expect(v.config).toMatchObject({ apiRoot: local });
    h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "after the move" });
    await until(() => h.received("live").some((e) => e.data.body === "after the move"));
    const history = (await h.gateway.getInstance("live")).history!;
    expect(history.some((e) => ["failed", "logged_out", "reconnecting", "conflict"].includes(e.to))).toBe(false);
    expect(v.hasCredentials).toBe(true);
  });

  it("log-out-cloud looks each URL up once, before the logOut: a lookup failing afterwards cannot strand the moved bot", async () => {
    /** Passes each URL once, then fails it as a DNS outage would. */
    class OnceGuard extends UrlGuard {
      readonly seen: string[] = [];
      override async check(text: string, path: string, protocols: readonly string[]): Promise<void> {
        if (this.seen.includes(text)) throw err("URL_REFUSED", { message: "lookup failed", details: { path } });
        this.seen.push(text);
        return super.check(text, path, protocols);
      }
    }
    const guard = new OnceGuard({ allowPrivate: true });
    const { h, cloud, local } = await cloudAndLocal("local", guard);
    const bot = h.sandbox.createBot();
    await h.connectBot("once", bot.token, { apiRoot: cloud });
    guard.seen.length = 0;
    await h.gateway.runAction("once", "log-out-cloud", { localApiRoot: local });
    expect(guard.seen).toEqual([local]);
    const v = await h.gateway.connect("once", { wait: "connected", timeoutMs: 5_000 });
    expect(v.config).toMatchObject({ apiRoot: local });
  });

  it("close-bot: 429 during the first 10 minutes after launch (retryAfterMs), then closed; refused while a session runs", async () => {
    const { h, cloud } = await cloudAndLocal("local");
    const bot = h.sandbox.createBot();
    await h.connectBot("closer", bot.token, { apiRoot: cloud });
    expect(await rejection(h.gateway.runAction("closer", "close-bot", {}))).toMatchObject({ code: "INVALID_STATE" });
    await h.gateway.close("closer");

    const limited = await rejection(h.gateway.runAction("closer", "close-bot", {}));
    expect(limited.code).toBe("PLATFORM_RATE_LIMITED");
    expect(limited.retryAfterMs).toBeGreaterThan(TEN_MINUTES - 10_000);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(TEN_MINUTES);

    await h.sandbox.advanceClock(TEN_MINUTES);
    expect(await h.gateway.runAction("closer", "close-bot", {})).toEqual({ closed: true, apiRoot: cloud });
    expect(h.sandbox.getBot(bot.id).session).toBe("closed");
    // The next connect launches the bot again.
    expect((await h.gateway.connect("closer", { wait: "connected", timeoutMs: 5_000 })).status.state).toBe("connected");
  });

  it("actions need a token, and validate their input", async () => {
    const { h, local } = await cloudAndLocal();
    await h.gateway.createInstance({ name: "empty", platform: "telegram", config: { apiRoot: h.sandbox.url } });
    expect(await rejection(h.gateway.runAction("empty", "log-out-cloud", { localApiRoot: local }))).toMatchObject({ code: "INVALID_STATE" });
    expect(await rejection(h.gateway.runAction("empty", "log-out-cloud", { localApiRoot: "not a url" }))).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await rejection(h.gateway.runAction("empty", "log-out-cloud", {}))).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await rejection(h.gateway.runAction("empty", "teleport", {}))).toMatchObject({ code: "ACTION_UNKNOWN" });
    // use-cloud without a lockout is accepted (idempotent).
    expect(await h.gateway.runAction("empty", "use-cloud", {})).toEqual({ apiRoot: h.sandbox.url, cloudLockedUntil: null });
  });
});
