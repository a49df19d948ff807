import { createServer, get, type Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { UrlGuard } from "../../src/net/url-guard.js";

let server: Server;
let wss: WebSocketServer;
let port: number;
beforeAll(async () => {
  server = createServer((_req, res) => res.end("ok"));
  wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  wss.close();
  await new Promise((r) => server.close(r));
});

/** GET through `agent`: the body, or the error's message. */
function fetchVia(url: string, agent: Agent | undefined): Promise<string> {
  return new Promise((resolve) => {
    const req = get(url, agent ? { agent } : {}, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", (e) => resolve(`error: ${e.message}`));
  });
}

describe("UrlGuard.check (when a caller gives a URL)", () => {
  const guard = new UrlGuard({ allowPrivate: false });
  const http = ["http:", "https:"];

  it.each([
    ["http://127.0.0.1:8081", "loopback"],
    ["http://10.1.2.3/bot", "private"],
    ["http://169.254.169.254/latest", "linkLocal"],
    ["http://[::1]:8081", "loopback"],
    ["http://localhost:8081", "loopback"],
  ])("refuses %s (%s) with URL_REFUSED, naming the field", async (url, range) => {
    await expect(guard.check(url, "/config/apiRoot", http)).rejects.toMatchObject({
      code: "URL_REFUSED",
      status: 400,
      details: expect.objectContaining({ range, path: "/config/apiRoot" }),
    });
  });

  it("refuses another scheme and user info as VALIDATION_FAILED", async () => {
    await expect(guard.check("ftp://example.com", "/x", http)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(guard.check("http://u:p@example.com", "/x", http)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("passes a public address, a trusted URL and, when the operator allows it, a private one", async () => {
    await guard.check("http://93.184.215.14:8081", "/x", http);
    const trusting = new UrlGuard({ allowPrivate: false });
    trusting.trust("http://127.0.0.1:8081");
    await trusting.check("http://127.0.0.1:8081/", "/x", http);
    await expect(trusting.check("http://127.0.0.1:8082", "/x", http)).rejects.toMatchObject({ code: "URL_REFUSED" });
    await new UrlGuard({ allowPrivate: true }).check("http://127.0.0.1:8081", "/x", http);
  });
});

describe("UrlGuard.agentFor (on every connection)", () => {
  it("refuses an IP literal and a name that resolves to a private address at connect time", async () => {
    const guard = new UrlGuard({ allowPrivate: false });
    const literal = `http://127.0.0.1:${port}/`;
    expect(await fetchVia(literal, guard.agentFor(literal))).toBe("error: refused: 127.0.0.1 is a loopback address");
    const named = `http://localhost:${port}/`;
    expect(await fetchVia(named, guard.agentFor(named))).toMatch(/^error: refused: (127\.0\.0\.1|::1) is a loopback address$/);
    guard.destroy();
  });

  it("refuses a WebSocket (ws) to a private address", async () => {
    const guard = new UrlGuard({ allowPrivate: false });
    const url = `ws://127.0.0.1:${port}/ws/chat`;
    const outcome = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url, { agent: guard.agentFor(url) });
      ws.on("open", () => {
        ws.close();
        resolve("open");
      });
      ws.on("error", (e) => resolve(e.message));
    });
    expect(outcome).toBe("refused: 127.0.0.1 is a loopback address");
    guard.destroy();
  });

  it("gives no agent (no restriction) for a trusted URL or when private addresses are allowed; those connect", async () => {
    const url = `http://127.0.0.1:${port}/`;
    const trusting = new UrlGuard({ allowPrivate: false });
    trusting.trust(url);
    expect(trusting.agentFor(url)).toBeUndefined();
    expect(new UrlGuard({ allowPrivate: true }).agentFor(url)).toBeUndefined();
    expect(await fetchVia(url, undefined)).toBe("ok");
  });
});
