import { afterEach, describe, expect, it } from "vitest";
import { errorCode, httpHarness, type HttpHarness } from "../support/http-harness.js";

describe("routes over the real gateway", () => {
  let h: HttpHarness;
  afterEach(async () => {
    await h?.dispose();
  });

  it("create → connect with a token login → send → logout → delete", async () => {
    h = await httpHarness();
    const a = h.accountToken;
    const created = await h.request({ method: "POST", url: "/v1/instances", token: a, body: { name: "bot-1", platform: "memory", metadata: { team: "x" } } });
    expect(created.statusCode).toBe(201);
    const { instance, token } = created.json() as { instance: { name: string; status: { state: string } }; token: string };
    expect(instance).toMatchObject({ name: "bot-1", platform: "memory", metadata: { team: "x" }, desired: "stopped" });

    h.platform.addTokenAccount("tg-secret-token");
    const connected = await h.request({
      method: "POST",
      url: "/v1/instances/bot-1/connect?wait=connected&timeoutMs=5000",
      token,
      body: { login: { method: "token", token: "tg-secret-token" } },
    });
    expect(connected.statusCode).toBe(200);
    expect(connected.json()).toMatchObject({ desired: "running", status: { state: "connected" }, hasCredentials: true });

    const sent = await h.request({ method: "POST", url: "/v1/instances/bot-1/messages", token, body: { threadId: "chat-1", body: "hello" } });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ threadId: "chat-1", messageId: expect.any(String), timestamp: expect.any(Number) });

    const action = await h.request({ method: "POST", url: "/v1/instances/bot-1/actions/whoami", token });
    expect(action.statusCode).toBe(200);
    expect(action.json()).toEqual({ result: { accountId: expect.any(String) } });

    const got = await h.request({ url: "/v1/instances/bot-1", token });
    expect((got.json() as { history: unknown[] }).history.length).toBeGreaterThan(0);

    const logout = await h.request({ method: "POST", url: "/v1/instances/bot-1/logout", token, body: {} });
    expect(logout.statusCode).toBe(200);
    expect(logout.json()).toEqual({ instance: "bot-1", status: "logged_out", remote: "revoked", credentialsWiped: true });
    // Logout keeps the record and the instance token.
    const after = await h.request({ url: "/v1/instances/bot-1", token });
    expect(after.json()).toMatchObject({ status: { state: "logged_out" }, hasCredentials: false });

    const del = await h.request({ method: "DELETE", url: "/v1/instances/bot-1", token: a });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ instance: "bot-1", deleted: true });
    expect((await h.request({ url: "/v1/instances/bot-1", token: a })).statusCode).toBe(404);
  });

  it("LOGOUT_UNCONFIRMED is 502 with the credentials kept; force wipes and reports unconfirmed", async () => {
    h = await httpHarness();
    await h.connectedInstance("flaky");
    h.platform.unreachable = true;
    const res = await h.request({ method: "POST", url: "/v1/instances/flaky/logout", token: h.accountToken, body: {} });
    expect(res.statusCode).toBe(502);
    expect(errorCode(res)).toBe("LOGOUT_UNCONFIRMED");
    expect((await h.request({ url: "/v1/instances/flaky", token: h.accountToken })).json()).toMatchObject({ hasCredentials: true });
    const forced = await h.request({ method: "POST", url: "/v1/instances/flaky/logout", token: h.accountToken, body: { force: true } });
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toEqual({ instance: "flaky", status: "logged_out", remote: "unconfirmed", credentialsWiped: true });
  });

  it("LOGOUT_UNCONFIRMED after the platform timeout is 504", async () => {
    h = await httpHarness({ gateway: { timeouts: { platformCallMs: 200, closeMs: 500, shutdownMs: 2000 } } });
    await h.connectedInstance("slowpoke");
    h.platform.logoutDelayMs = 2_000;
    const res = await h.request({ method: "POST", url: "/v1/instances/slowpoke/logout", token: h.accountToken });
    expect(res.statusCode).toBe(504);
    expect(errorCode(res)).toBe("LOGOUT_UNCONFIRMED");
    h.platform.logoutDelayMs = 0;
  });

  it("pairing code, restart and close", async () => {
    h = await httpHarness();
    const token = await h.instanceAwaitingQr("phone");
    const code = await h.request({ method: "POST", url: "/v1/instances/phone/pairing-code", token, body: { phoneNumber: "+4915123456789" } });
    expect(code.statusCode).toBe(200);
    expect(code.json()).toEqual({ code: "XXXX6789", expiresAt: null });
    const restarted = await h.request({ method: "POST", url: "/v1/instances/phone/restart", token, body: { wait: "awaiting_login" } });
    expect(restarted.statusCode).toBe(200);
    expect(restarted.json()).toMatchObject({ status: { state: "awaiting_login" } });
    const closed = await h.request({ method: "POST", url: "/v1/instances/phone/close", token, headers: { "content-type": "application/json" }, payload: "" });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ desired: "stopped", status: { state: "stopped" } });
  });

  it("lists with pagination and a platform filter", async () => {
    h = await httpHarness();
    for (const n of ["p-a", "p-b", "p-c"]) await h.createInstance(n);
    const page1 = await h.request({ url: "/v1/instances?limit=2", token: h.accountToken });
    expect(page1.json()).toMatchObject({ items: [{ name: "p-a" }, { name: "p-b" }], next: "p-b" });
    const page2 = await h.request({ url: "/v1/instances?limit=2&after=p-b", token: h.accountToken });
    expect(page2.json()).toMatchObject({ items: [{ name: "p-c" }], next: null });
    const none = await h.request({ url: "/v1/instances?platform=telegram", token: h.accountToken });
    expect(none.json()).toEqual({ items: [], next: null });
  });

  it("tokens: issue, list, use, revoke", async () => {
    h = await httpHarness();
    await h.createInstance("tok-inst");
    const issued = await h.request({ method: "POST", url: "/v1/tokens", token: h.accountToken, body: { scope: "instance", instance: "tok-inst", label: "ci" } });
    expect(issued.statusCode).toBe(201);
    const { token, record } = issued.json() as { token: string; record: { id: string; instance: string; scope: string; label: string } };
    expect(record).toMatchObject({ scope: "instance", instance: "tok-inst", label: "ci" });
    const listed = await h.request({ url: "/v1/tokens?instance=tok-inst", token: h.accountToken });
    const items = (listed.json() as { items: { id: string }[] }).items;
    expect(items.map((i) => i.id)).toContain(record.id);
    expect(listed.body).not.toContain(token);
    expect((await h.request({ url: "/v1/instances/tok-inst", token })).statusCode).toBe(200);
    const revoked = await h.request({ method: "DELETE", url: `/v1/tokens/${record.id}`, token: h.accountToken });
    expect(revoked.json()).toEqual({ id: record.id, revoked: true });
    expect((await h.request({ url: "/v1/instances/tok-inst", token })).statusCode).toBe(401);
  });

  it("platforms as data", async () => {
    h = await httpHarness();
    const res = await h.request({ url: "/v1/platforms", token: h.accountToken });
    expect(res.json()).toMatchObject({
      items: [{ platform: "memory", displayName: expect.any(String), capabilities: { remoteLogout: true, send: true }, actions: expect.any(Array) }],
    });
  });

  it("health, ready (and 503 with the envelope when not ready), metrics by route pattern", async () => {
    let ready = true;
    h = await httpHarness({
      ready: async () => {
        if (!ready) throw new Error("database unreachable at postgres://user:hunter2@db");
      },
    });
    expect((await h.request({ url: "/health" })).json()).toEqual({ status: "ok", version: "0.0.0-test" });
    expect((await h.request({ url: "/ready" })).json()).toEqual({ status: "ready" });
    ready = false;
    const notReady = await h.request({ url: "/ready" });
    expect(notReady.statusCode).toBe(503);
    expect(errorCode(notReady)).toBe("INTERNAL");
    expect(notReady.body).not.toContain("hunter2");

    await h.createInstance("metered");
    await h.request({ url: "/v1/instances/metered", token: h.accountToken });
    await h.request({ url: "/v1/nope", token: h.accountToken });
    const metrics = await h.request({ url: "/metrics", token: h.accountToken });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('switchboard_http_requests_total{method="GET",route="/v1/instances/:name",status="200"} 1');
    expect(metrics.body).toContain('route="unmatched",status="404"');
    expect(metrics.body).not.toContain('route="/v1/instances/metered"');
  });
});
