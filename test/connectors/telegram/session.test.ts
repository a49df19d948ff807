import { Api } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Credentials, InboundEvent, Session, SessionContext, SessionHost } from "../../../src/core/connector.js";
import { err } from "../../../src/core/errors.js";
import type { DisconnectKind } from "../../../src/core/status.js";
import { telegramConnector, type TelegramSession } from "../../../src/connectors/telegram/index.js";
import { startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";
import { until } from "./harness.js";

/**
 * The session on its own, against the real sandbox, with a recording stand-in for the core's
 * SessionHost: what it reports, and when.
 */
class RecordingHost implements SessionHost {
  connectedAs: string | null = null;
  disconnects: Array<{ kind: DisconnectKind; error: { code: string; message: string } }> = [];
  saved: Credentials[] = [];
  batches: Array<{ events: readonly InboundEvent[]; state?: Record<string, unknown> }> = [];
  /** The next receive calls reject with these, in order. */
  failReceive: Error[] = [];
  loginStep(): void {}
  connected({ self }: { self: { id: string } }): void {
    this.connectedAs = self.id;
  }
  disconnected(d: { kind: DisconnectKind; error: { code: string; message: string } }): void {
    this.disconnects.push(d);
  }
  async saveCredentials(c: Credentials): Promise<void> {
    this.saved.push(c);
  }
  async sentMessage(): Promise<null> {
    return null;
  }
  async storedMessage(): Promise<null> {
    return null;
  }
  async receive(batch: { events: readonly InboundEvent[]; state?: Record<string, unknown> }): Promise<void> {
    const e = this.failReceive.shift();
    if (e) throw e;
    this.batches.push(batch);
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let sandbox: TelegramSandbox;
const sessions: Session[] = [];

beforeEach(async () => {
  sandbox = await startTelegramSandbox({ port: 0, log: () => {} });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await sandbox.close();
});

function open(host: RecordingHost, over: Partial<SessionContext> = {}): TelegramSession {
  const ctx: SessionContext = {
    instance: { id: "ins_1", name: "t", platform: "telegram" },
    config: { apiRoot: sandbox.url, pollTimeoutS: 5 },
    credentials: null,
    login: null,
    state: {},
    webhookUrl: null,
    keys: { get: async () => new Map(), set: async () => {} }, // Telegram keeps no session keys
    host,
    logger: quiet,
    net: { agentFor: () => undefined, proxyOptions: () => undefined },
    ...over,
  };
  const s = telegramConnector().connect(ctx) as TelegramSession;
  sessions.push(s);
  return s;
}

describe("telegram session", () => {
  it("without a token: fatal at once, no Bot API call", async () => {
    const host = new RecordingHost();
    open(host);
    await until(() => host.disconnects.length === 1);
    expect(host.disconnects[0]).toMatchObject({ kind: "fatal", error: { code: "VALIDATION_FAILED" } });
  });

  it("a new login saves {token} before reporting connected; a stored token is not saved again", async () => {
    const bot = sandbox.createBot();
    const host = new RecordingHost();
    open(host, { login: { method: "token", input: { token: bot.token } } });
    await until(() => host.connectedAs);
    expect(host.saved).toEqual([{ token: bot.token }]);
    const again = new RecordingHost();
    open(again, { credentials: { token: bot.token } });
    await until(() => again.connectedAs);
    expect(again.saved).toEqual([]);
  });

  it("close is idempotent, ends a waiting long poll at once, and reports nothing", async () => {
    const bot = sandbox.createBot();
    const host = new RecordingHost();
    const s = open(host, { credentials: { token: bot.token } });
    await until(() => sandbox.getBot(bot.id).waiting_get_updates);
    const t0 = Date.now();
    await Promise.all([s.close(), s.close()]);
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(host.disconnects).toEqual([]);
    await expect(s.send({ threadId: "1", content: { type: "text", text: "x" } })).rejects.toMatchObject({ code: "INVALID_STATE" });
  });

  it("a batch the core cannot store is not confirmed: transient, and the next session gets it again", async () => {
    const bot = sandbox.createBot();
    const user = sandbox.createUser();
    const host = new RecordingHost();
    host.failReceive.push(err("STORAGE_FAILED"));
    open(host, { credentials: { token: bot.token } });
    await until(() => host.connectedAs);
    const r = sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "keep me" });
    await until(() => host.disconnects.length === 1);
    expect(host.disconnects[0]).toMatchObject({ kind: "transient", error: { code: "STORAGE_FAILED" } });
    expect(sandbox.getBot(bot.id).pending_update_count).toBe(1);

    const next = new RecordingHost();
    open(next, { credentials: { token: bot.token } });
    await until(() => next.batches.length === 1);
    expect(next.batches[0]!.events.map((e) => e.id)).toEqual([`tg:${bot.id}:${r.update_id}`]);
    expect(next.batches[0]!.state).toEqual({ offset: r.update_id! + 1, server: `${sandbox.url}#production` });
  });

  it("uses a stored offset only on the Bot API server it came from", async () => {
    const bot = sandbox.createBot();
    const user = sandbox.createUser();
    const r = sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "pending" });
    // An offset from another server (e.g. the cloud, before a move to a local server) is ignored…
    const moved = new RecordingHost();
    const s = open(moved, { credentials: { token: bot.token }, state: { offset: r.update_id! + 1000, server: "https://api.telegram.org#production" } });
    await until(() => moved.batches.length === 1);
    expect(moved.batches[0]!.events.map((e) => (e.type === "message.received" ? e.data.body : null))).toEqual(["pending"]);
    await s.close();
    // …and one from this server is honoured (nothing at or above it is pending).
    const r2 = sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "newer" });
    const same = new RecordingHost();
    open(same, { credentials: { token: bot.token }, state: { offset: r2.update_id! + 1, server: `${sandbox.url}#production` } });
    await until(() => same.connectedAs);
    await new Promise((res) => setTimeout(res, 150));
    expect(same.batches).toEqual([]);
  });

  it("a batch refused because the session was closed meanwhile ends the loop quietly", async () => {
    const bot = sandbox.createBot();
    const user = sandbox.createUser();
    const host = new RecordingHost();
    host.failReceive.push(err("INVALID_STATE", { message: "The session was closed." }));
    open(host, { credentials: { token: bot.token } });
    await until(() => host.connectedAs);
    sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "x" });
    await until(() => !sandbox.getBot(bot.id).waiting_get_updates && sandbox.getBot(bot.id).pending_update_count === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(host.disconnects).toEqual([]);
    expect(sandbox.getBot(bot.id).waiting_get_updates).toBe(false);
  });

  it("during a logOut the poller's 'Logged out' is held back (the core restarts the session); a failed logOut reports it", async () => {
    const bot = sandbox.createBot();
    const host = new RecordingHost();
    const s = open(host, { credentials: { token: bot.token } });
    await until(() => sandbox.getBot(bot.id).waiting_get_updates);
    await s.duringLogout(() => new Api(bot.token, { apiRoot: sandbox.url }).logOut());
    await until(() => !sandbox.getBot(bot.id).waiting_get_updates);
    await new Promise((r) => setTimeout(r, 100));
    expect(host.disconnects).toEqual([]);

    // Another bot: its token is revoked while a logOut is running, and the logOut fails.
    const other = sandbox.createBot();
    const host2 = new RecordingHost();
    const s2 = open(host2, { credentials: { token: other.token } });
    await until(() => sandbox.getBot(other.id).waiting_get_updates);
    await expect(
      s2.duringLogout(async () => {
        sandbox.revokeToken(other.id);
        await new Promise((r) => setTimeout(r, 100));
        throw new Error("logOut failed");
      }),
    ).rejects.toThrow("logOut failed");
    expect(host2.disconnects).toEqual([{ kind: "logged_out", error: expect.objectContaining({ code: "UNAUTHORIZED" }) }]);
  });

  it("handleWebhook: no secret in polling mode → UNAUTHENTICATED", async () => {
    const bot = sandbox.createBot();
    const host = new RecordingHost();
    const s = open(host, { credentials: { token: bot.token } });
    await until(() => host.connectedAs);
    await expect(s.handleWebhook({ headers: {}, body: { update_id: 1 } })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("webhook mode: a stored secret is reused; a bad body with the right secret → VALIDATION_FAILED", async () => {
    const bot = sandbox.createBot();
    const host = new RecordingHost();
    const s = open(host, {
      credentials: { token: bot.token, webhookSecret: "s3cret_s3cret" },
      config: { apiRoot: sandbox.url, mode: "webhook" },
      webhookUrl: "http://127.0.0.1:9/v1/intake/t",
    });
    await until(() => host.connectedAs);
    expect(host.saved).toEqual([]);
    const headers = { "x-telegram-bot-api-secret-token": "s3cret_s3cret" };
    await expect(s.handleWebhook({ headers, body: "nope" })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(s.handleWebhook({ headers: { "x-telegram-bot-api-secret-token": "s3cret_s3creT" }, body: { update_id: 5 } })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await s.handleWebhook({ headers, body: { update_id: 5, message: { message_id: 9, date: 2, chat: { id: 7, type: "private" }, caption: "a photo" } } });
    expect(host.batches).toEqual([
      {
        events: [
          {
            id: `tg:${bot.id}:5`,
            type: "message.received",
            ts: 2000,
            data: {
              threadId: "7",
              senderId: "7",
              body: "a photo",
              messageId: "9",
              timestamp: 2000,
              // A message kind the model does not know (here: a caption and nothing else) is kept as unsupported.
              content: { type: "unsupported", platformType: "unknown" },
              chat: { type: "private" },
            },
          },
        ],
      },
    ]);
    // An update without a message is accepted and stores nothing.
    await s.handleWebhook({ headers, body: { update_id: 6, poll: {} } });
    expect(host.batches).toHaveLength(1);
  });
});
