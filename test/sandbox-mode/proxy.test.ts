/**
 * The `/sandbox/*` proxy route against stand-in sandboxes (a recording HTTP server, a closed port):
 * what is forwarded, what is not, and the gateway's envelope when a sandbox is unreachable or silent.
 */
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/core/tokens.js";
import { buildHttpApp } from "../../src/http/app.js";
import { sandboxProxyRoutes } from "../../src/http/routes/sandbox-proxy.js";
import { createLogger } from "../../src/observability/logger.js";
import type { SandboxView } from "../../src/sandbox-mode/index.js";
import { type Harness, harness } from "../support/gateway-harness.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let core: Harness;
let app: FastifyInstance;
let token: string;
let upstream: Server;
const seen: Seen[] = [];

/** How sandbox mode describes a sandbox at `url` (no panel). */
function view(name: string, url: string): SandboxView {
  return { name, platform: name, displayName: name, url, endpoint: url, controlUrl: `${url}/sandbox`, proxy: `/sandbox/${name}`, info: {}, panel: null };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (req.url?.startsWith("/sandbox/hang")) return; // never answers
      res.writeHead(409, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "upstream_says_no", message: "as the sandbox answered" } }));
    });
  });
  const upstreamUrl = await listen(upstream);
  const closed = createServer();
  const closedUrl = await listen(closed);
  await new Promise((r) => closed.close(r));

  core = await harness();
  token = (await issueToken(core.store.tokens, { scope: "account", instanceId: null, label: "t", now: Date.now() })).token;
  app = await buildHttpApp({
    gateway: core.gateway,
    idempotency: core.store.idempotency,
    metrics: core.gateway.metrics,
    logger: createLogger({ level: "silent" }),
    version: "0.0.0-test",
  });
  sandboxProxyRoutes(app, {
    targets: { "whatsapp-web": upstreamUrl, telegram: closedUrl },
    info: {
      telegram: view("telegram", closedUrl),
      "whatsapp-web": view("whatsapp-web", upstreamUrl),
    },
    timeoutMs: 2_000, // generous: a loaded machine must not turn a slow first answer into a 504
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await core?.dispose();
});

describe("the /sandbox proxy", () => {
  it("forwards method, path, query and JSON body, and answers the sandbox's status and body; never the caller's token", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/sandbox/whatsapp-web/phones/p%2F1/scan?x=1&access_token=" + token,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-extra": "kept-out" },
      payload: JSON.stringify({ qr: "2@abc" }),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: "upstream_says_no", message: "as the sandbox answered" } });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: "POST", url: "/sandbox/phones/p%2F1/scan?x=1", body: '{"qr":"2@abc"}' });
    expect(JSON.stringify(last.headers)).not.toContain(token);
    expect(last.headers["x-extra"]).toBeUndefined();
    expect(last.headers["authorization"]).toBeUndefined();
  });

  it("forwards a bare prefix to the control API's root", async () => {
    await app.inject({ method: "GET", url: "/sandbox/whatsapp-web", headers: { authorization: `Bearer ${token}` } });
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/sandbox", body: "" });
  });

  it("a percent-encoded sandbox name forwards the same path", async () => {
    await app.inject({ method: "GET", url: "/sandbox/whatsapp%2Dweb/phones?x=%2F", headers: { authorization: `Bearer ${token}` } });
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/sandbox/phones?x=%2F" });
    await app.inject({ method: "GET", url: "/sandbox/whatsapp%2dweb?y=1", headers: { authorization: `Bearer ${token}` } });
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/sandbox?y=1" });
  });

  it("an unreachable sandbox: 502 PLATFORM_UNREACHABLE in the gateway's envelope", async () => {
    const res = await app.inject({ method: "GET", url: "/sandbox/telegram/bots", headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: { code: "PLATFORM_UNREACHABLE", details: { sandbox: "telegram" } } });
  });

  it("a sandbox that does not answer in time: 504 TIMEOUT", async () => {
    const res = await app.inject({ method: "GET", url: "/sandbox/whatsapp-web/hang", headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ error: { code: "TIMEOUT", details: { sandbox: "whatsapp-web" } } });
  });

  it("an unknown sandbox name: 404 NOT_FOUND, nothing forwarded", async () => {
    const before = seen.length;
    const res = await app.inject({ method: "GET", url: "/sandbox/no-such-platform/x", headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: "NOT_FOUND", details: { sandbox: "no-such-platform" } } });
    expect(seen.length).toBe(before);
  });

  it("an instance token is not enough (403)", async () => {
    const ins = await core.gateway.createInstance({ name: "one", platform: "memory" });
    const before = seen.length;
    const res = await app.inject({ method: "GET", url: "/sandbox/whatsapp-web/phones", headers: { authorization: `Bearer ${ins.token}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect(seen.length).toBe(before);
  });
});
