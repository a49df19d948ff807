import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { buildHttpApp } from "../../../src/http/app.js";
import { createLogger } from "../../../src/observability/logger.js";
import { tgHarness, until, type TgHarness, type TgHarnessOptions } from "./harness.js";

/**
 * The gateway's public URL is a plain node:http server that hands every request to the real REST
 * app (`app.inject`), so the sandbox's webhook deliveries go through `POST /v1/intake/:name`.
 */
interface Public {
  h: TgHarness;
  url: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
}

let h: TgHarness | undefined;
let server: Server | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await h?.dispose();
  await app?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  h = undefined;
  app = undefined;
  server = undefined;
});

async function withPublicUrl(opts: TgHarnessOptions = {}): Promise<Public> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!app) return void res.writeHead(503).end();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      app
        .inject({ method: req.method as "POST", url: req.url ?? "/", headers, payload: Buffer.concat(chunks) })
        .then((r) => res.writeHead(r.statusCode, { "content-type": "application/json" }).end(r.body))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = await tgHarness({ ...opts, gateway: { publicUrl: url, ...opts.gateway } });
  app = await buildHttpApp({
    gateway: h.gateway,
    idempotency: h.store.idempotency,
    metrics: h.gateway.metrics,
    logger: createLogger({ level: "silent" }),
    version: "0.0.0-test",
  });
  await app.ready();
  return {
    h,
    url,
    async post(path, body, headers = {}) {
      const r = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as unknown };
    },
  };
}

describe("telegram connector: webhook mode", () => {
  it("sets a webhook with a secret, takes updates through POST /v1/intake/:name, refuses a bad secret, and logout deletes the webhook", async () => {
    const { h, url, post } = await withPublicUrl();
    const bot = h.sandbox.createBot();
    const user = h.sandbox.createUser();
    const view = await h.connectBot("hook", bot.token, { mode: "webhook" });
    expect(view.status.state).toBe("connected");
    expect(h.sandbox.getBot(bot.id).webhook).toMatchObject({ url: `${url}/v1/intake/hook` });

    // Someone without the secret.
    const update = { update_id: 1, message: { message_id: 1, date: 1, chat: { id: 1, type: "private" }, text: "forged" } };
    const none = await post("/v1/intake/hook", update);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    const wrong = await post("/v1/intake/hook", update, { "x-telegram-bot-api-secret-token": "guessed" });
    expect(wrong.status).toBe(401);

    // Telegram, with the secret.
    const r = h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "pushed" });
    const [ev] = await until(() => (h.received("hook").length === 1 ? h.received("hook") : null));
    expect(ev!.id).toBe(`tg:${bot.id}:${r.update_id}`);
    expect(ev!.data).toMatchObject({ body: "pushed", senderId: String(user.id), threadId: String(r.message.chat.id) });
    await until(() => h.sandbox.getBot(bot.id).pending_update_count === 0, 2_000, "the delivery confirmed");
    expect(h.received("hook").some((e) => e.data.body === "forged")).toBe(false);

    // Replies work the same.
    await h.gateway.send("hook", { threadId: ev!.data.threadId, content: { type: "text", text: "got it" } });
    expect(h.sandbox.sent(bot.id).map((s) => s.message?.text)).toContain("got it");

    // A restart keeps the same webhook and secret; nothing is repeated.
    await h.gateway.restart("hook", { wait: "connected", timeoutMs: 5_000 });
    h.sandbox.sendUserMessage({ bot: bot.id, from: user.id, text: "after restart" });
    await until(() => h.received("hook").length === 2);
    expect(h.received("hook").map((e) => e.data.body)).toEqual(["pushed", "after restart"]);

    const out = await h.gateway.logout("hook");
    expect(out.remote).toBe("not_supported");
    expect(h.sandbox.getBot(bot.id).webhook).toMatchObject({ url: "" });
    await h.gateway.shutdown();
    expect(h.rawFiles()).not.toContain(bot.token);
  });

  it("webhook mode without a public URL fails with a clear message", async () => {
    h = await tgHarness();
    const bot = h.sandbox.createBot();
    const view = await h.connectBot("nourl", bot.token, { mode: "webhook" });
    expect(view.status).toMatchObject({ state: "failed", error: { message: expect.stringContaining("webhook mode needs the gateway's public URL") } });
  });

  it("notices a revoked token (logged_out) and a webhook replaced by another client (conflict)", async () => {
    const { h } = await withPublicUrl({ connector: { webhookCheckMs: 50 } });
    const a = h.sandbox.createBot();
    const b = h.sandbox.createBot();
    await h.connectBot("rev", a.token, { mode: "webhook" });
    await h.connectBot("taken", b.token, { mode: "webhook" });

    h.sandbox.revokeToken(a.id);
    const rev = await until(async () => {
      const v = await h.gateway.getInstance("rev");
      return v.status.state === "logged_out" ? v : null;
    });
    expect(rev.status).toMatchObject({ reason: "remote" });
    expect(rev.hasCredentials).toBe(false);

    await h.sandbox.advanceClock(2_000); // Telegram allows one setWebhook per second
    await new Api(b.token, { apiRoot: h.sandbox.url }).setWebhook("http://127.0.0.1:9/someone-else");
    const taken = await until(async () => {
      const v = await h.gateway.getInstance("taken");
      return v.status.state === "conflict" ? v : null;
    });
    expect(JSON.stringify(taken.status)).toContain("Another client replaced this bot's webhook");
  });
});
