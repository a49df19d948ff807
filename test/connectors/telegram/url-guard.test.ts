/**
 * The SSRF guard and the token scope on the URLs a caller gives a Telegram instance (issue 12): a
 * config or action URL to a private address is refused unless the operator allows it, an instance
 * token cannot redirect the bot token (`log-out-cloud`), and a Bot API root that answers getUpdates
 * at once is polled with pauses, not in a loop.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { earlyPollPauseMs } from "../../../src/connectors/telegram/poller.js";
import { UrlGuard } from "../../../src/net/url-guard.js";
import { startServer, type RunningServer } from "../../../src/server.js";
import { rejection, tgHarness, until, type TgHarness } from "./harness.js";

const TOKEN = "sba_telegram-url-guard-account-token-0123456789";
const BOT_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

let h: TgHarness | undefined;
let server: RunningServer | undefined;
let dir: string | undefined;
let fake: Server | undefined;
afterEach(async () => {
  await h?.dispose();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (fake) await new Promise((r) => fake?.close(r));
  h = server = dir = fake = undefined;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are read loosely
type Json = any;

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

describe("telegram: caller-supplied URLs", () => {
  it("refuses a config apiRoot on a loopback, private or link-local address; the default and allowed ones pass", async () => {
    h = await tgHarness({ gateway: { urlGuard: new UrlGuard({ allowPrivate: false }) } });
    for (const [apiRoot, range] of [
      ["http://127.0.0.1:8081", "loopback"],
      ["http://10.0.0.7:8081", "private"],
      ["http://169.254.169.254", "linkLocal"],
      ["http://localhost:8081", "loopback"],
    ] as const) {
      const e = await rejection(h.gateway.createInstance({ name: "bot", platform: "telegram", config: { apiRoot } }));
      expect(e).toMatchObject({ code: "URL_REFUSED", details: expect.objectContaining({ range, path: "/config/apiRoot" }) });
    }
    await expect(h.gateway.getInstance("bot")).rejects.toMatchObject({ code: "INSTANCE_NOT_FOUND" });
    // The default (the cloud Bot API) is the code's choice, not the caller's: it passes unchecked.
    expect((await h.gateway.createInstance({ name: "cloud", platform: "telegram" })).instance.config.apiRoot).toBe("https://api.telegram.org");
    await h.dispose();
    h = await tgHarness({ gateway: { urlGuard: new UrlGuard({ allowPrivate: true }) } });
    await h.gateway.createInstance({ name: "local", platform: "telegram", config: { apiRoot: "http://127.0.0.1:8081" } });
  });

  it("log-out-cloud: an instance token is refused (403); the account token's private localApiRoot is refused before the bot token is sent", async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-tg-guard-"));
    // Sandbox mode with the guard on: the sandbox (the config default, "the cloud") is trusted, nothing else private is.
    server = await startServer({ port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "silent", sandbox: true, allowPrivateUrls: false });
    const tg = (await api("POST", "/sandbox/telegram/bots", TOKEN, { username: "guard_bot" })).json.result as { token: string };
    const created = await api("POST", "/v1/instances", TOKEN, { name: "shop", platform: "telegram" });
    expect(created.status).toBe(201);
    const instanceToken = created.json.token as string;
    const connected = await api("POST", "/v1/instances/shop/connect?wait=connected", TOKEN, { login: { method: "token", token: tg.token } });
    expect(connected.json.status.state).toBe("connected");

    const platforms = await api("GET", "/v1/platforms", TOKEN);
    const actions = platforms.json.items.find((p: { platform: string }) => p.platform === "telegram").actions;
    expect(Object.fromEntries(actions.map((a: { name: string; access: string }) => [a.name, a.access]))).toEqual({
      "log-out-cloud": "account",
      "use-cloud": "instance",
      "close-bot": "instance",
    });

    const byInstance = await api("POST", "/v1/instances/shop/actions/log-out-cloud", instanceToken, { localApiRoot: "https://bots.example.net" });
    expect(byInstance.status).toBe(403);
    expect(byInstance.json.error).toMatchObject({ code: "FORBIDDEN", details: { action: "log-out-cloud", access: "account" } });
    expect(byInstance.json.error.message).toMatch(/account token/);

    for (const localApiRoot of ["http://127.0.0.2:8081", "http://192.168.1.20:8081"]) {
      const byAccount = await api("POST", "/v1/instances/shop/actions/log-out-cloud", TOKEN, { localApiRoot });
      expect(byAccount.status).toBe(400);
      expect(byAccount.json.error).toMatchObject({ code: "URL_REFUSED", details: expect.objectContaining({ path: "/localApiRoot" }) });
    }
    // Nothing happened: the bot is still on the sandbox ("the cloud"), connected, not logged out.
    const view = await api("GET", "/v1/instances/shop", TOKEN);
    expect(view.json.config.apiRoot).toBe(server.sandbox!["telegram"]!.info["apiRoot"]);
    expect(view.json.status.state).toBe("connected");
  });

  it("a Bot API root that answers getUpdates at once is polled with growing pauses, not in a loop", async () => {
    let polls = 0;
    fake = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.endsWith("/getMe")) return res.end(JSON.stringify({ ok: true, result: { id: 123456, is_bot: true, first_name: "Fast", username: "fast_bot" } }));
      if (req.url?.endsWith("/getUpdates")) {
        polls++;
        return res.end(JSON.stringify({ ok: true, result: [] }));
      }
      res.end(JSON.stringify({ ok: true, result: true }));
    });
    await new Promise<void>((r) => fake!.listen(0, "127.0.0.1", r));
    const apiRoot = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    h = await tgHarness();
    await h.gateway.createInstance({ name: "fast", platform: "telegram", config: { apiRoot, pollTimeoutS: 25 } });
    await h.gateway.connect("fast", { login: { method: "token", input: { token: BOT_TOKEN } }, wait: "connected", timeoutMs: 5_000 });
    await until(() => polls >= 1 || undefined);
    await new Promise((r) => setTimeout(r, 3_500));
    // Pauses of 1 s, then 2 s: three or four polls in 3.5 s (without them: thousands).
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(4);
    expect([1, 2, 3, 4, 5, 6, 7].map(earlyPollPauseMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect((await h.gateway.getInstance("fast")).status.state).toBe("connected");
  });
});

