/**
 * App-level webhook intake (issue 13): `GET|POST /v1/intake/:platform/:app` for platforms that push
 * per app (Meta's model), with a test connector reading Meta's format through the connectors' kit
 * (src/connectors/kit/meta-webhooks.ts): the verification handshake, the `X-Hub-Signature-256`
 * check over the exact bytes, one POST with entries for two instances stored for both, an entry for
 * no known instance acknowledged and counted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector } from "../../src/core/connector.js";
import { metaSignature, openMetaWebhook } from "../../src/connectors/kit/meta-webhooks.js";
import { startServer, type RunningServer } from "../../src/server.js";

const TOKEN = "sba_app-intake-account-token-0123456789abcdef";
const APP = "1234567890";
const SECRET = "app-secret-of-the-test-app";
const VERIFY = "verify-token-of-the-test-app";

/** A platform whose app pushes Meta-style entries `{id: <account>, messages: [{mid, text}]}`. */
function metaTestConnector(): Connector {
  return {
    platform: "meta-test",
    displayName: "Meta-style test platform",
    configSchema: Type.Object({ appId: Type.String(), accountId: Type.String() }, { additionalProperties: false }),
    capabilities: {
      login: [{ method: "token", inputSchema: Type.Object({ appSecret: Type.String(), verifyToken: Type.String() }, { additionalProperties: false }) }],
      remoteLogout: false,
      send: false,
    },
    actions: [],
    connect(ctx) {
      const input = ctx.login?.input ?? {};
      const session = {
        close: async () => {},
        send: async () => Promise.reject(new Error("no sending")),
      };
      void (async () => {
        if (!ctx.credentials) await ctx.host.saveCredentials({ appSecret: String(input.appSecret), verifyToken: String(input.verifyToken) });
        ctx.host.connected({ self: { id: String(ctx.config.accountId) } });
      })();
      return session;
    },
    logoutRemote: async () => "not_supported",
    appWebhooks: {
      appOf: (config) => (typeof config.appId === "string" ? config.appId : null),
      keyOf: (config) => (typeof config.accountId === "string" ? config.accountId : null),
      open: (request, credentials) =>
        openMetaWebhook(
          request,
          credentials.map((c) => ({ appSecret: String(c.appSecret), verifyToken: String(c.verifyToken) })),
          (entry) => (typeof entry.id === "string" ? entry.id : null),
        ),
      events: (entry) =>
        ((entry as { messages?: Array<{ mid: string; text: string }> }).messages ?? []).map((m) => ({
          id: `meta-test:${m.mid}`,
          type: "message.received" as const,
          data: { threadId: "user-1", senderId: "user-1", body: m.text, messageId: m.mid, timestamp: 1_700_000_000_000 },
        })),
    },
  };
}

describe("app-level webhook intake", () => {
  let server: RunningServer;
  let dir: string;
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };
  const post = (raw: string, signature: string | null) =>
    fetch(`${server.url}/v1/intake/meta-test/${APP}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature !== null ? { "x-hub-signature-256": signature } : {}) },
      body: raw,
    });
  const received = async (name: string): Promise<string[]> => {
    const r = await api("GET", `/v1/instances/${name}/events?type=message.received&limit=100`);
    return (r.body as { items: Array<{ data: { body: string } }> }).items.map((e) => e.data.body);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-app-intake-"));
    server = await startServer({ port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "silent", connectors: [metaTestConnector()] });
    for (const [name, accountId] of [["first", "acct-1"], ["second", "acct-2"]] as const) {
      await api("POST", "/v1/instances", { name, platform: "meta-test", config: { appId: APP, accountId } });
      const c = await api("POST", `/v1/instances/${name}/connect`, { login: { method: "token", appSecret: SECRET, verifyToken: VERIFY }, wait: "connected" });
      expect(c.status).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the handshake: the right verify token gets the challenge back as text; a wrong one is 403", async () => {
    const ok = await fetch(`${server.url}/v1/intake/meta-test/${APP}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await fetch(`${server.url}/v1/intake/meta-test/${APP}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    const otherApp = await fetch(`${server.url}/v1/intake/meta-test/999?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1`);
    expect(otherApp.status).toBe(403);
  });

  it("a missing or wrong signature is refused (401) and nothing is stored", async () => {
    const raw = JSON.stringify({ object: "test", entry: [{ id: "acct-1", messages: [{ mid: "m-bad", text: "forged" }] }] });
    expect((await post(raw, null)).status).toBe(401);
    expect((await post(raw, metaSignature(raw, "another-secret"))).status).toBe(401);
    expect((await post(raw, metaSignature(`${raw} `, SECRET))).status).toBe(401); // signed other bytes
    expect(await received("first")).not.toContain("forged");
  });

  it("one POST with entries for two instances stores both, before the answer; a redelivery stores nothing twice", async () => {
    const raw = JSON.stringify({
      object: "test",
      entry: [
        { id: "acct-1", messages: [{ mid: "m-1", text: "to the first" }] },
        { id: "acct-2", messages: [{ mid: "m-2", text: "to the second" }] },
      ],
    });
    const res = await post(raw, metaSignature(raw, SECRET));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, stored: 2, unknown: 0, ignored: 0 });
    expect(await received("first")).toEqual(["to the first"]);
    expect(await received("second")).toEqual(["to the second"]);
    expect((await post(raw, metaSignature(raw, SECRET))).status).toBe(200);
    expect(await received("first")).toEqual(["to the first"]);
  });

  it("an entry naming no known instance is acknowledged (200) and counted, not stored", async () => {
    const raw = JSON.stringify({ object: "test", entry: [{ id: "acct-unknown", messages: [{ mid: "m-3", text: "to nobody" }] }] });
    const res = await post(raw, metaSignature(raw, SECRET));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, stored: 0, unknown: 1, ignored: 0 });
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/switchboard_intake_entries_total\{platform="meta-test",outcome="unknown"\} 1/);
    expect(metrics).toMatch(/switchboard_intake_entries_total\{platform="meta-test",outcome="stored"\} 4/);
  });

  it("one instance's secret does not speak for another instance of the same app", async () => {
    const c = await api("POST", "/v1/instances", { name: "intruder", platform: "meta-test", config: { appId: APP, accountId: "acct-3" } });
    expect(c.status).toBe(201);
    const login = { login: { method: "token", appSecret: "the-intruder's-own-secret", verifyToken: "v" }, wait: "connected" };
    expect((await api("POST", "/v1/instances/intruder/connect", login)).status).toBe(200);
    const raw = JSON.stringify({
      object: "test",
      entry: [
        { id: "acct-1", messages: [{ mid: "m-4", text: "forged for the first" }] },
        { id: "acct-3", messages: [{ mid: "m-5", text: "to the intruder" }] },
      ],
    });
    const res = await post(raw, metaSignature(raw, "the-intruder's-own-secret"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, stored: 1, unknown: 0, ignored: 1 });
    expect(await received("first")).toEqual(["to the first"]);
    expect(await received("intruder")).toEqual(["to the intruder"]);
  });

  it("a platform without app-level webhooks: 404", async () => {
    expect((await fetch(`${server.url}/v1/intake/no-such-platform/${APP}`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});
