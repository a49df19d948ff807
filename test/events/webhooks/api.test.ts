import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SUBSCRIPTIONS_PER_INSTANCE } from "../../../src/events/webhooks/options.js";
import { errorCode, httpHarness, type HttpHarness } from "../../support/http-harness.js";

const URL_OK = "http://127.0.0.1:9/hook";
const HEADER_VALUE = "hdr-secret-value-PLAINTEXT-MARKER";

describe("/v1/webhooks", () => {
  let h: HttpHarness;
  let tokenA: string;
  let tokenB: string;
  beforeAll(async () => {
    h = await httpHarness();
    tokenA = await h.createInstance("alpha");
    tokenB = await h.createInstance("beta");
  });
  afterAll(async () => {
    await h.dispose();
  });

  const post = (url: string, body: unknown, token = h.accountToken, headers: Record<string, string> = {}) => h.request({ method: "POST", url, token, body, headers });

  it("creates a subscription and shows its secret once; views never carry secrets", async () => {
    const res = await post("/v1/webhooks", { url: URL_OK, types: ["message.*", "instance.status"], headers: { "X-Api-Key": HEADER_VALUE }, description: "crm" }, h.accountToken, {
      "idempotency-key": "create-1",
    });
    expect(res.statusCode).toBe(201);
    const { webhook, secret } = res.json() as { webhook: Record<string, unknown> & { id: string }; secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ instance: null, url: URL_OK, types: ["message.*", "instance.status"], headers: ["x-api-key"], description: "crm", enabled: true });
    expect(webhook.id).toMatch(/^wh_/);

    const replay = await post("/v1/webhooks", { url: URL_OK, types: ["message.*", "instance.status"], headers: { "X-Api-Key": HEADER_VALUE }, description: "crm" }, h.accountToken, {
      "idempotency-key": "create-1",
    });
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json()).toMatchObject({ webhook: { id: webhook.id }, secret: null });

    const got = await h.request({ url: `/v1/webhooks/${webhook.id}`, token: h.accountToken });
    const list = await h.request({ url: "/v1/webhooks", token: h.accountToken });
    const rotated = await post(`/v1/webhooks/${webhook.id}/rotate-secret`, { overlapMs: 1000 });
    expect(rotated.statusCode).toBe(200);
    const newSecret = (rotated.json() as { secret: string }).secret;
    expect(newSecret).toMatch(/^whsec_/);
    for (const body of [got.body, list.body, JSON.stringify((rotated.json() as { webhook: unknown }).webhook), h.logs.join("\n")]) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(newSecret);
      expect(body).not.toContain(HEADER_VALUE);
    }
  });

  it("refuses bad input with 400 and the error envelope", async () => {
    const bad: unknown[] = [
      {},
      { url: "ftp://example.com/" },
      { url: "http://user:pw@127.0.0.1/" },
      { url: URL_OK, types: ["Message.Received"] },
      { url: URL_OK, types: ["message..x"] },
      { url: URL_OK, types: "message.received" },
      { url: URL_OK, headers: { "content-type": "text/plain" } },
      { url: URL_OK, headers: { "Webhook-Signature": "x" } },
      { url: URL_OK, headers: { "bad name": "x" } },
      { url: URL_OK, headers: { "x-key": "a\r\nb" } },
      { url: URL_OK, headers: { "x-key": 5 } },
      { url: URL_OK, maxConcurrency: 0 },
      { url: URL_OK, maxConcurrency: 65 },
      { url: URL_OK, ordered: "yes" },
      { url: URL_OK, description: "x".repeat(501) },
      { url: URL_OK, secret: "whsec_mine" },
    ];
    for (const body of bad) {
      const res = await post("/v1/webhooks", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe("VALIDATION_FAILED");
      expect(res.body).not.toContain("a\r\nb");
    }
    const { webhook } = (await post("/v1/webhooks", { url: URL_OK })).json() as { webhook: { id: string } };
    const id = webhook.id;
    for (const [method, url, body] of [
      ["PATCH", `/v1/webhooks/${id}`, { maxConcurrency: 100 }],
      ["PATCH", `/v1/webhooks/${id}`, { unknown: 1 }],
      ["PATCH", `/v1/webhooks/${id}`, { url: "gopher://x" }],
      ["POST", `/v1/webhooks/${id}/rotate-secret`, { overlapMs: -1 }],
      ["POST", `/v1/webhooks/${id}/rotate-secret`, { overlapMs: 8 * 24 * 3600 * 1000 }],
      ["POST", `/v1/webhooks/${id}/redeliver`, {}],
      ["POST", `/v1/webhooks/${id}/redeliver`, { eventId: "evt_x", from: 1, to: 2 }],
      ["POST", `/v1/webhooks/${id}/redeliver`, { from: 5, to: 1 }],
      ["GET", `/v1/webhooks/${id}/attempts?before=0`, undefined],
      ["GET", `/v1/webhooks/${id}/attempts?limit=501`, undefined],
      ["GET", `/v1/webhooks?instance=Not_A_Name`, undefined],
    ] as const) {
      const res = await h.request({ method, url, token: h.accountToken, ...(body !== undefined && { body }) });
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(errorCode(res)).toBe("VALIDATION_FAILED");
    }
    expect(errorCode(await h.request({ url: "/v1/webhooks/wh_nope", token: h.accountToken }))).toBe("WEBHOOK_NOT_FOUND");
    expect(errorCode(await post("/v1/webhooks", { url: URL_OK, instance: "no-such" }))).toBe("INSTANCE_NOT_FOUND");
  });

  it("caps the subscriptions of one instance with LIMIT_REACHED, and frees a slot on delete", async () => {
    await h.createInstance("crowded");
    const ids: string[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_INSTANCE; i++) {
      const res = await post("/v1/webhooks", { url: URL_OK, instance: "crowded" });
      expect(res.statusCode).toBe(201);
      ids.push((res.json() as { webhook: { id: string } }).webhook.id);
    }
    const over = await post("/v1/webhooks", { url: URL_OK, instance: "crowded" });
    expect(over.statusCode).toBe(409);
    expect(errorCode(over)).toBe("LIMIT_REACHED");
    expect((await post("/v1/webhooks", { url: URL_OK, instance: "beta" })).statusCode).toBe(201); // other instances unaffected
    expect((await h.request({ method: "DELETE", url: `/v1/webhooks/${ids[0]}`, token: h.accountToken })).statusCode).toBe(200);
    expect((await post("/v1/webhooks", { url: URL_OK, instance: "crowded" })).statusCode).toBe(201);
  });

  it("scopes instance tokens to their own instance", async () => {
    const ownRes = await post("/v1/webhooks", { url: URL_OK }, tokenA);
    expect(ownRes.statusCode).toBe(201);
    const own = (ownRes.json() as { webhook: { id: string; instance: string } }).webhook;
    expect(own.instance).toBe("alpha");
    const other = ((await post("/v1/webhooks", { url: URL_OK, instance: "beta" })).json() as { webhook: { id: string } }).webhook;

    expect((await post("/v1/webhooks", { url: URL_OK, instance: "beta" }, tokenA)).statusCode).toBe(403);
    expect((await post("/v1/webhooks", { url: URL_OK, instance: "no-such" }, tokenA)).statusCode).toBe(403);
    const listA = (await h.request({ url: "/v1/webhooks", token: tokenA })).json() as { items: Array<{ id: string; instance: string }> };
    expect(listA.items.length).toBeGreaterThan(0);
    expect(listA.items.every((w) => w.instance === "alpha")).toBe(true);
    expect((await h.request({ url: "/v1/webhooks?instance=beta", token: tokenA })).statusCode).toBe(403);
    const listAll = (await h.request({ url: "/v1/webhooks", token: h.accountToken })).json() as { items: Array<{ id: string }> };
    expect(listAll.items.map((w) => w.id)).toEqual(expect.arrayContaining([own.id, other.id]));
    const listBeta = (await h.request({ url: "/v1/webhooks?instance=beta", token: h.accountToken })).json() as { items: Array<{ instance: string }> };
    expect(listBeta.items.every((w) => w.instance === "beta")).toBe(true);

    for (const [method, url, body] of [
      ["GET", `/v1/webhooks/${other.id}`, undefined],
      ["PATCH", `/v1/webhooks/${other.id}`, { description: "mine now" }],
      ["DELETE", `/v1/webhooks/${other.id}`, undefined],
      ["POST", `/v1/webhooks/${other.id}/rotate-secret`, {}],
      ["GET", `/v1/webhooks/${other.id}/attempts`, undefined],
      ["POST", `/v1/webhooks/${other.id}/redeliver`, { from: 0, to: Date.now() }],
    ] as const) {
      const res = await h.request({ method, url, token: tokenA, ...(body !== undefined && { body }) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(errorCode(res)).toBe("WEBHOOK_NOT_FOUND");
    }
    expect((await h.request({ url: `/v1/webhooks/${own.id}`, token: tokenA })).statusCode).toBe(200);
    expect((await h.request({ url: `/v1/webhooks/${own.id}`, token: tokenB })).statusCode).toBe(404);
    expect((await h.request({ url: `/v1/webhooks/${other.id}`, token: tokenB })).statusCode).toBe(200);
  });

  it("changes, disables and deletes a subscription", async () => {
    const { webhook } = (await post("/v1/webhooks", { url: URL_OK, headers: { "x-a": "1" } })).json() as { webhook: { id: string } };
    const patched = await h.request({ method: "PATCH", url: `/v1/webhooks/${webhook.id}`, token: h.accountToken, body: { headers: null, enabled: false, ordered: true, maxConcurrency: 3 } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ headers: [], enabled: false, disabledReason: "user", ordered: true, maxConcurrency: 3 });
    const back = await h.request({ method: "PATCH", url: `/v1/webhooks/${webhook.id}`, token: h.accountToken, body: { enabled: true } });
    expect(back.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const del = await h.request({ method: "DELETE", url: `/v1/webhooks/${webhook.id}`, token: h.accountToken });
    expect(del.json()).toEqual({ id: webhook.id, deleted: true });
    expect((await h.request({ url: `/v1/webhooks/${webhook.id}`, token: h.accountToken })).statusCode).toBe(404);
  });
});

describe("/v1/webhooks without the private-address permission", () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await httpHarness({ webhooks: { allowPrivateAddresses: false } });
  });
  afterAll(async () => {
    await h.dispose();
  });

  it.each(["http://127.0.0.1/hook", "http://10.2.3.4/", "http://169.254.169.254/", "http://[::1]/", "http://localhost/"])("refuses %s with 400 WEBHOOK_URL_REFUSED", async (url) => {
    const res = await h.request({ method: "POST", url: "/v1/webhooks", token: h.accountToken, body: { url } });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe("WEBHOOK_URL_REFUSED");
  });

  it("also when a subscription's URL is changed", async () => {
    const created = await h.request({ method: "POST", url: "/v1/webhooks", token: h.accountToken, body: { url: "https://93.184.215.14/hook", enabled: false } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { webhook: { id: string } }).webhook.id;
    const res = await h.request({ method: "PATCH", url: `/v1/webhooks/${id}`, token: h.accountToken, body: { url: "http://192.168.0.10/" } });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe("WEBHOOK_URL_REFUSED");
  });
});
