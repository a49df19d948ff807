import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EndpointClient } from "../../../src/events/webhooks/sender.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

describe("EndpointClient", () => {
  it("bounds the whole attempt: a receiver that trickles its answer is cut off at the timeout", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const t = setInterval(() => res.write("."), 30); // never idle long enough for undici's body timeout
      res.on("close", () => clearInterval(t));
    });
    const client = new EndpointClient(url, { timeoutMs: 300, allowPrivate: true, connections: 1 });
    const outcome = await client.post({ "content-type": "application/json" }, "{}");
    await client.close();
    expect(outcome).toMatchObject({ ok: false, error: "timeout after 300 ms" });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(290);
    expect(outcome.latencyMs).toBeLessThan(2_000);
  });

  it("reports a quick answer with its status and no error", async () => {
    const url = await listen((_req, res) => res.writeHead(204).end());
    const client = new EndpointClient(url, { timeoutMs: 300, allowPrivate: true, connections: 1 });
    expect(await client.post({}, "{}")).toMatchObject({ ok: true, statusCode: 204, error: null });
    const failing = await listen((_req, res) => res.writeHead(503).end("busy"));
    const other = new EndpointClient(failing, { timeoutMs: 300, allowPrivate: true, connections: 1 });
    expect(await other.post({}, "{}")).toMatchObject({ ok: false, statusCode: 503, error: "HTTP 503" });
    await client.close();
    await other.close();
  });
});
