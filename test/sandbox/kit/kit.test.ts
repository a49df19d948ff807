/**
 * The sandbox kit (sandbox/kit): the control router both sandboxes route with, the HTTP faults (on
 * the Telegram sandbox, with grammY as the client), and one webhook delivery attempt.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Api, GrammyError, HttpError } from "grammy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSystemClock } from "../../../sandbox/kit/clock.js";
import { ControlError, answer, controlRouter } from "../../../sandbox/kit/control.js";
import { startSandboxServer, type SandboxServer } from "../../../sandbox/kit/http.js";
import { deliverOnce, nextRetryDelayS } from "../../../sandbox/kit/webhooks.js";
import { startTelegramSandbox, type TelegramSandbox } from "../../../sandbox/telegram/index.js";

describe("control router", () => {
  let server: SandboxServer;
  beforeAll(async () => {
    const handle = controlRouter({
      envelope: { ok: (r) => ({ ok: r }), error: (e) => (e instanceof ControlError ? [e.status, { code: e.code }] : [500, { code: "internal" }]) },
      describe: () => ({ name: "kit test" }),
      maxBodyBytes: 64,
      routes: [
        { method: "GET", path: "/things/:id", doc: "GET /sandbox/things/:id", run: ({ params }) => ({ id: params.id }) },
        { method: "POST", path: "/things", doc: "POST /sandbox/things", run: async ({ body }) => answer(201, await body()) },
        { method: "GET", path: /^\/sandbox(?:\/test)?\/env$/, doc: "GET /sandbox[/test]/env", run: ({ path }) => (path.includes("/test/") ? "test" : "prod") },
        { method: "GET", path: "/boom", doc: "GET /sandbox/boom", run: () => { throw new Error("boom"); } },
      ],
    });
    server = await startSandboxServer({ host: "127.0.0.1", port: 0, onRequest: (req, res) => void handle(req, res) });
  });
  afterAll(() => server.close());
  const get = async (path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${server.url}${path}`, init);
    return { status: res.status, body: await res.json() };
  };

  it("routes by method and path, decodes parameters, answers 201 and RegExp families", async () => {
    expect(await get("/sandbox/things/a%20b")).toEqual({ status: 200, body: { ok: { id: "a b" } } });
    expect(await get("/sandbox/things", { method: "POST", body: '{"x":1}' })).toEqual({ status: 201, body: { ok: { x: 1 } } });
    expect(await get("/sandbox/test/env")).toEqual({ status: 200, body: { ok: "test" } });
    expect(await get("/sandbox/env/")).toEqual({ status: 200, body: { ok: "prod" } });
  });

  it("GET /sandbox lists the routes; 404, 405, bad JSON, oversized bodies and handler failures go through the envelope", async () => {
    expect((await get("/sandbox")).body).toEqual({ ok: { name: "kit test", routes: ["GET /sandbox/things/:id", "POST /sandbox/things", "GET /sandbox[/test]/env", "GET /sandbox/boom"] } });
    expect(await get("/sandbox/nothing")).toEqual({ status: 404, body: { code: "not_found" } });
    expect(await get("/sandbox/things/1", { method: "DELETE" })).toEqual({ status: 405, body: { code: "method_not_allowed" } });
    expect(await get("/sandbox/things", { method: "POST", body: "[1]" })).toEqual({ status: 400, body: { code: "bad_request" } });
    expect(await get("/sandbox/things", { method: "POST", body: JSON.stringify({ x: "y".repeat(100) }) })).toEqual({ status: 413, body: { code: "body_too_large" } });
    expect(await get("/sandbox/things/%E0%A4%A")).toEqual({ status: 400, body: { code: "bad_request" } });
    expect(await get("/sandbox/boom")).toEqual({ status: 500, body: { code: "internal" } });
  });
});

describe("HTTP faults (Telegram sandbox, grammY client)", () => {
  let sandbox: TelegramSandbox;
  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: { ok: boolean; result?: unknown } }> => {
    const res = await fetch(`${sandbox.controlUrl}${path}`, { method, ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as { ok: boolean; result?: unknown } };
  };
  beforeAll(async () => {
    sandbox = await startTelegramSandbox({ port: 0, log: () => {} });
  });
  afterEach(() => control("DELETE", "/faults"));
  afterAll(() => sandbox.close());

  it("unreachable: the Bot API resets connections while the control API still answers; cleared, it serves again", async () => {
    const bot = sandbox.createBot();
    const api = new Api(bot.token, { apiRoot: sandbox.url });
    const added = await control("POST", "/faults", { kind: "unreachable", path: "/bot" });
    expect(added.status).toBe(201);
    expect(added.body.result).toMatchObject({ id: expect.any(String), kind: "unreachable", path: "/bot" });
    await expect(api.getMe()).rejects.toBeInstanceOf(HttpError);
    expect((await control("GET", "/faults")).body.result).toMatchObject({ faults: [{ kind: "unreachable" }] });
    expect((await control("DELETE", "/faults")).body.result).toEqual({ cleared: 1 });
    expect((await api.getMe()).id).toBe(bot.id);
  });

  it("error: answered with the status; delay: answered later; a fault on /sandbox is refused", async () => {
    const bot = sandbox.createBot();
    const api = new Api(bot.token, { apiRoot: sandbox.url });
    await control("POST", "/faults", { kind: "error", status: 502 });
    await expect(api.getMe()).rejects.toSatisfy((e: unknown) => e instanceof HttpError || e instanceof GrammyError);
    await control("DELETE", "/faults");
    await control("POST", "/faults", { kind: "delay", ms: 300 });
    const t0 = Date.now();
    await api.getMe();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect((await control("POST", "/faults", { kind: "unreachable", path: "/sandbox" })).status).toBe(400);
    expect((await control("POST", "/faults", { kind: "nope" })).status).toBe(400);
  });
});

describe("webhook delivery", () => {
  let receiver: Server;
  let url: string;
  let answerWith = 200;
  let hang = false;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      if (hang) return;
      if (answerWith === 429) res.setHeader("retry-after", "7");
      res.writeHead(answerWith).end(answerWith === 200 ? '{"method":"x"}' : "");
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });
  const clock = createSystemClock();

  it("one attempt: the answer, a status with Retry-After, a timeout, a refused connection", async () => {
    answerWith = 200;
    expect(await deliverOnce({ url, headers: {}, body: "{}", clock, timeoutMs: 2_000 }).outcome).toEqual({ ok: true, status: 200, body: '{"method":"x"}' });
    answerWith = 429;
    expect(await deliverOnce({ url, headers: {}, body: "{}", clock, timeoutMs: 2_000 }).outcome).toMatchObject({ ok: false, reason: "status", status: 429, retryAfterS: 7 });
    hang = true;
    expect(await deliverOnce({ url, headers: {}, body: "{}", clock, timeoutMs: 200 }).outcome).toMatchObject({ ok: false, reason: "timeout" });
    hang = false;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((r) => closed.close(r));
    expect(await deliverOnce({ url: closedUrl, headers: {}, body: "{}", clock, timeoutMs: 2_000 }).outcome).toMatchObject({ ok: false, reason: "network", code: "ECONNREFUSED" });
  });

  it("the retry schedule: at once, then doubling up to the cap, or Retry-After", () => {
    const limits = { maxS: 60, maxRetryAfterS: 3600 };
    expect([1, 2, 3].map((n, i) => nextRetryDelayS(n, [1, 1, 2][i]!, 0, limits))).toEqual([0, 2, 4]);
    expect(nextRetryDelayS(9, 60, 0, limits)).toBe(60);
    expect(nextRetryDelayS(2, 1, 10_000, limits)).toBe(3600);
  });
});
