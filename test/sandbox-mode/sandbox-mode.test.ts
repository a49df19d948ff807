/**
 * Sandbox mode (`startServer({sandbox: true})`, docs/sandbox-mode.md): the gateway with the Telegram
 * and WhatsApp Web sandboxes in-process. Everything is driven through the gateway's own origin — the
 * REST API and the `/sandbox/*` proxy — as the dashboard does: instances are created without any
 * sandbox config and still reach the sandboxes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../src/events/types.js";
import { type RunningServer, startServer } from "../../src/server.js";

const TOKEN = "sba_sandbox-mode-account-token-0123456789abcdef";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
type Json = any;

interface Answer {
  status: number;
  body: Json;
}

async function call(base: string, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : null };
}

/** Polls `fn` every 50 ms until it answers something truthy; throws after `ms`. */
async function until<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sb-sandbox-mode-"));
}

describe("sandbox mode", () => {
  let dir: string;
  let server: RunningServer;
  const events: EventEnvelope[] = [];
  const api = (method: string, path: string, body?: unknown): Promise<Answer> => call(server.url, method, path, body);
  const eventOf = (instance: string, type: string, pred: (e: EventEnvelope) => boolean = () => true): EventEnvelope | undefined =>
    events.find((e) => e.instance === instance && e.type === type && pred(e));
  /** The Telegram sandbox's Bot API root and the WhatsApp sandbox's chat URL, as the gateway reports them. */
  const tgRoot = (): string => server.sandbox!["telegram"]!.info["apiRoot"]!;
  const waUrl = (): string => server.sandbox!["whatsapp-web"]!.endpoint;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer({ sandbox: true, port: 0, dataDir: dir, accountToken: TOKEN, secret: "sandbox-mode-secret", logLevel: "silent", rateLimitPerMinute: 100_000 });
    server.gateway.bus.subscribe((s) => events.push(s.envelope));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("tells where the sandboxes listen, and the platforms' schemas default to them", async () => {
    expect(server.sandbox).not.toBeNull();
    const info = await api("GET", "/sandbox");
    expect(info.status).toBe(200);
    const byName = Object.fromEntries((info.body.items as Json[]).map((s) => [s.name, s]));
    expect(Object.keys(byName)).toEqual(["telegram", "whatsapp-web"]);
    expect(byName.telegram).toMatchObject({ platform: "telegram", proxy: "/sandbox/telegram", info: { apiRoot: tgRoot() }, panel: { title: "Telegram" } });
    expect(byName["whatsapp-web"]).toMatchObject({ platform: "whatsapp-web", proxy: "/sandbox/whatsapp-web", info: { wsUrl: waUrl() }, panel: { title: "WhatsApp phone" } });
    expect(byName["whatsapp-web"].endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    const platforms = await api("GET", "/v1/platforms");
    const schemaOf = (p: string): Json => platforms.body.items.find((x: Json) => x.platform === p).configSchema;
    expect(schemaOf("telegram").properties.apiRoot.default).toBe(tgRoot());
    expect(schemaOf("whatsapp-web").properties.websocketUrl.default).toBe(waUrl());
  });

  it("whatsapp-web: a phone made through the proxy scans the QR, a contact's message is received, the reply is recorded", async () => {
    const phone = await api("POST", "/sandbox/whatsapp-web/phones", {});
    expect(phone.status, JSON.stringify(phone.body)).toBe(201);
    const created = await api("POST", "/v1/instances", { name: "wa", platform: "whatsapp-web" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.instance.config.websocketUrl).toBe(waUrl());

    const c = await api("POST", "/v1/instances/wa/connect", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const qr = await api("GET", "/v1/instances/wa/qr");
    expect(qr.status).toBe(200);
    expect(qr.body.qr).toMatch(/2@/);
    const scan = await api("POST", `/sandbox/whatsapp-web/phones/${phone.body.id}/scan`, { qr: qr.body.qr });
    expect(scan.status, JSON.stringify(scan.body)).toBe(200);
    expect(scan.body.jid).toContain(phone.body.number);
    await until(async () => (await api("GET", "/v1/instances/wa")).body.status.state === "connected" || undefined, 10_000, "connected");

    const contact = await api("POST", `/sandbox/whatsapp-web/phones/${phone.body.id}/contacts`, { name: "Ada" });
    expect(contact.status).toBe(201);
    const inbound = await api("POST", `/sandbox/whatsapp-web/phones/${phone.body.id}/contacts/${contact.body.id}/messages`, { text: "hello via the proxy" });
    expect(inbound.status, JSON.stringify(inbound.body)).toBe(200);
    const received = await until(() => eventOf("wa", "message.received", (e) => (e.data as Json).body === "hello via the proxy"), 5_000, "message.received");
    const threadId = (received.data as Json).threadId as string;

    const sent = await api("POST", "/v1/instances/wa/messages", { threadId, body: "hi Ada" });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const recorded = await until(async () => {
      const r = await api("GET", `/sandbox/whatsapp-web/phones/${phone.body.id}/contacts/${contact.body.id}/messages`);
      return (r.body.sent as Json[]).find((m) => m.text === "hi Ada");
    }, 5_000, "the reply at the sandbox");
    expect(recorded.id).toBe(sent.body.messageId);
    await api("POST", "/v1/instances/wa/close", {});
  }, 30_000);

  it("telegram: a bot made through the proxy connects without an apiRoot; a user's message is received", async () => {
    const bot = await api("POST", "/sandbox/telegram/bots", { username: "mode_bot" });
    expect(bot.status, JSON.stringify(bot.body)).toBe(200);
    expect(bot.body.ok).toBe(true);
    const user = await api("POST", "/sandbox/telegram/users", { first_name: "Alice", username: "alice" });
    expect(user.body.ok).toBe(true);
    const created = await api("POST", "/v1/instances", { name: "tg", platform: "telegram" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.instance.config.apiRoot).toBe(tgRoot());

    const c = await api("POST", "/v1/instances/tg/connect", { login: { method: "token", token: bot.body.result.token }, wait: "connected", timeoutMs: 10_000 });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body.status).toMatchObject({ state: "connected", self: { id: String(bot.body.result.id) } });
    const msg = await api("POST", "/sandbox/telegram/messages", { bot: "mode_bot", from: "alice", text: "hi bot" });
    expect(msg.body.ok, JSON.stringify(msg.body)).toBe(true);
    const received = await until(() => eventOf("tg", "message.received", (e) => (e.data as Json).body === "hi bot"), 5_000, "message.received");
    expect(received.platform).toBe("telegram");

    // Query strings reach the sandbox (here: the long-poll `wait` of `sent`).
    await api("POST", "/v1/instances/tg/messages", { threadId: (received.data as Json).threadId, body: "hello Alice" });
    const sent = await api("GET", "/sandbox/telegram/bots/mode_bot/sent?wait=5000");
    expect(sent.body.result.map((r: Json) => r.message?.text)).toContain("hello Alice");
    await api("POST", "/v1/instances/tg/close", {});
  }, 30_000);

  it("passes the sandbox's own errors through, and keeps the proxy inside the control API", async () => {
    const missing = await api("GET", "/sandbox/whatsapp-web/phones/phone-404");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "phone_not_found" } } });
    const tg = await api("GET", "/sandbox/telegram/bots/nobody_bot");
    expect(tg).toMatchObject({ status: 404, body: { ok: false, error_code: 404 } });
    const escape = await api("GET", "/sandbox/telegram/%2e%2e/bot1:x/getMe");
    expect(escape.status).toBe(404);
    expect(escape.body.error.code).toBe("NOT_FOUND");
  });

  it("refuses callers without the account token (401)", async () => {
    for (const path of ["/sandbox", "/sandbox/telegram/bots", "/sandbox/whatsapp-web/phones"]) {
      const r = await call(server.url, "GET", path, undefined, null);
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe("UNAUTHENTICATED");
    }
    const bad = await call(server.url, "POST", "/sandbox/whatsapp-web/phones", {}, "sba_not-a-token");
    expect(bad.status).toBe(401);
  });
});

describe("sandbox mode off", () => {
  it("has no /sandbox routes (404, with or without a token) and no sandboxes", async () => {
    const dir = tempDir();
    const server = await startServer({ port: 0, dataDir: dir, accountToken: TOKEN, secret: "sandbox-mode-secret", logLevel: "silent" });
    try {
      expect(server.sandbox).toBeNull();
      for (const path of ["/sandbox", "/sandbox/telegram/bots", "/sandbox/whatsapp-web/phones"]) {
        for (const token of [TOKEN, null]) {
          const r = await call(server.url, "GET", path, undefined, token);
          expect(r.status, path).toBe(404);
          expect(r.body.error.code).toBe("NOT_FOUND");
        }
      }
      const platforms = await call(server.url, "GET", "/v1/platforms");
      const tg = platforms.body.items.find((x: Json) => x.platform === "telegram");
      expect(tg.configSchema.properties.apiRoot.default).toBe("https://api.telegram.org");
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
