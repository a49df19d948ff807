import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCode, httpHarness, type HttpHarness } from "../support/http-harness.js";

describe("Idempotency-Key", () => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await httpHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  const create = (key: string, body: unknown, token = h.accountToken) =>
    h.request({ method: "POST", url: "/v1/instances", token, headers: { "idempotency-key": key }, body });

  it("replays a completed request: same status and body, Idempotent-Replayed, no second effect", async () => {
    const first = await create("create-1", { name: "idem-a", platform: "memory", metadata: { a: 1, b: 2 } });
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const token = (first.json() as { token: string }).token;
    expect(token).toMatch(/^sbi_/);

    // Same request, keys in another order: the same canonical body.
    const again = await create("create-1", { metadata: { b: 2, a: 1 }, platform: "memory", name: "idem-a" });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    const replayed = again.json() as { instance: unknown; token: unknown };
    expect(replayed.instance).toEqual((first.json() as { instance: unknown }).instance);
    // The plain token is shown once and never stored: a replay answers it as null.
    expect(replayed.token).toBeNull();

    const list = await h.request({ url: "/v1/instances", token: h.accountToken });
    expect((list.json() as { items: unknown[] }).items).toHaveLength(1);

    // The token is nowhere in the database files (idempotency records included).
    for (const f of readdirSync(h.core.dir)) {
      if (!f.startsWith("switchboard.db")) continue;
      expect(readFileSync(join(h.core.dir, f)).includes(Buffer.from(token))).toBe(false);
    }
  });

  it("stores and replays 4xx answers from the handler", async () => {
    await h.createInstance("taken");
    const first = await create("conflict-1", { name: "taken", platform: "memory" });
    expect(first.statusCode).toBe(409);
    expect(errorCode(first)).toBe("INSTANCE_EXISTS");
    const again = await create("conflict-1", { name: "taken", platform: "memory" });
    expect(again.statusCode).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
  });

  it("the same key with a different request is 422 IDEMPOTENCY_MISMATCH", async () => {
    expect((await create("mm-1", { name: "mm-a", platform: "memory" })).statusCode).toBe(201);
    const other = await create("mm-1", { name: "mm-b", platform: "memory" });
    expect(other.statusCode).toBe(422);
    expect(errorCode(other)).toBe("IDEMPOTENCY_MISMATCH");
    // Another URL with the same key and body is a mismatch too.
    const elsewhere = await h.request({ method: "POST", url: "/v1/tokens", token: h.accountToken, headers: { "idempotency-key": "mm-1" }, body: { name: "mm-a", platform: "memory" } });
    expect(elsewhere.statusCode).toBe(400); // validation runs first: the body is not a token request
    const elsewhereValid = await h.request({ method: "POST", url: "/v1/tokens", token: h.accountToken, headers: { "idempotency-key": "mm-1" }, body: { scope: "account" } });
    expect(elsewhereValid.statusCode).toBe(422);
    // The mismatch changed nothing: the original is still replayed.
    expect((await create("mm-1", { name: "mm-a", platform: "memory" })).headers["idempotent-replayed"]).toBe("true");
  });

  it("while the first request runs, the same key is 409 IDEMPOTENCY_IN_FLIGHT; a 5xx frees the key", async () => {
    await h.instanceAwaitingQr("slow");
    const connect = () =>
      h.request({
        method: "POST",
        url: "/v1/instances/slow/connect",
        token: h.accountToken,
        headers: { "idempotency-key": "slow-1" },
        body: { wait: "connected", timeoutMs: 800 },
      });
    const running = connect(); // waits for `connected`, which never comes → 504 TIMEOUT
    await new Promise((r) => setTimeout(r, 150));
    const second = await connect();
    expect(second.statusCode).toBe(409);
    expect(errorCode(second)).toBe("IDEMPOTENCY_IN_FLIGHT");
    const first = await running;
    expect(first.statusCode).toBe(504);
    expect(errorCode(first)).toBe("TIMEOUT");
    // The 5xx was not stored: a retry with the same key runs again (and times out again).
    const retry = await connect();
    expect(retry.statusCode).toBe(504);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("keys are scoped per token", async () => {
    const instanceToken = await h.createInstance("scoped");
    const byAccount = await h.request({ method: "POST", url: "/v1/instances/scoped/close", token: h.accountToken, headers: { "idempotency-key": "shared" } });
    expect(byAccount.statusCode).toBe(200);
    // Same key, same request, other token: runs (not a replay).
    const byInstance = await h.request({ method: "POST", url: "/v1/instances/scoped/close", token: instanceToken, headers: { "idempotency-key": "shared" } });
    expect(byInstance.statusCode).toBe(200);
    expect(byInstance.headers["idempotent-replayed"]).toBeUndefined();
    // Same key, different request, other token: no mismatch either.
    const otherReq = await h.request({ method: "POST", url: "/v1/instances/scoped/logout", token: instanceToken, headers: { "idempotency-key": "shared-2" }, body: {} });
    expect(otherReq.statusCode).toBe(200);
    const accountOther = await h.request({ method: "POST", url: "/v1/instances/scoped/connect", token: h.accountToken, headers: { "idempotency-key": "shared-2" } });
    expect(accountOther.statusCode).toBe(200);
    expect(accountOther.headers["idempotent-replayed"]).toBeUndefined();
    // And each token replays its own.
    const replay = await h.request({ method: "POST", url: "/v1/instances/scoped/close", token: instanceToken, headers: { "idempotency-key": "shared" } });
    expect(replay.headers["idempotent-replayed"]).toBe("true");
  });

  it("rejects bad keys with 400 and ignores the header on GET", async () => {
    const long = await create("k".repeat(256), { name: "long-key", platform: "memory" });
    expect(long.statusCode).toBe(400);
    expect(errorCode(long)).toBe("VALIDATION_FAILED");
    const max = await create("k".repeat(255), { name: "max-key", platform: "memory" });
    expect(max.statusCode).toBe(201);
    const get = await h.request({ url: "/v1/instances", token: h.accountToken, headers: { "idempotency-key": "k".repeat(300) } });
    expect(get.statusCode).toBe(200);
  });

  it("requests without the header are not remembered", async () => {
    expect((await h.request({ method: "POST", url: "/v1/instances", token: h.accountToken, body: { name: "plain", platform: "memory" } })).statusCode).toBe(201);
    const again = await h.request({ method: "POST", url: "/v1/instances", token: h.accountToken, body: { name: "plain", platform: "memory" } });
    expect(again.statusCode).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
  });
});
