/**
 * The connection to a configured proxy goes through the SSRF rules at connect time: an IP literal
 * that is not allowed is refused before any socket opens, a name resolving to one is refused by the
 * guarded lookup (the proxy URL itself was checked when the config was given; this is the second
 * check, against a name re-pointed since).
 */
import { request } from "node:https";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { proxyAgent } from "../../../src/connectors/whatsapp-web/proxy.js";
import { UrlGuard } from "../../../src/net/url-guard.js";

let listener: Server | undefined;
afterEach(async () => {
  if (listener) await new Promise((r) => listener!.close(r));
  listener = undefined;
});

/** A TCP listener on 127.0.0.1 that counts the connections it is offered. */
async function countingListener(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  listener = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => listener!.listen(0, "127.0.0.1", r));
  return { port: (listener.address() as AddressInfo).port, connections: () => n };
}

/** The error of an HTTPS request through `agent` (the proxy never answers properly). */
function failure(agent: ReturnType<typeof proxyAgent>): Promise<Error> {
  return new Promise((resolve) => {
    const req = request("https://web.whatsapp.com/", { agent }, () => resolve(new Error("answered")));
    req.on("error", resolve);
    req.end();
  });
}

describe("whatsapp-web: the proxy connection and the SSRF rules", () => {
  const strict = new UrlGuard({ allowPrivate: false });

  it("refuses a proxy on a loopback or private IP literal before connecting", async () => {
    const { port, connections } = await countingListener();
    for (const url of [`http://127.0.0.1:${port}`, `socks5://127.0.0.1:${port}`, "http://10.1.2.3:3128", "http://[::1]:3128"]) {
      expect(() => proxyAgent(url, strict)).toThrow(/^refused: .+ is a (loopback|private) address$/);
    }
    expect(connections()).toBe(0);
  });

  it("refuses a proxy whose name resolves to a loopback address, at connect time", async () => {
    const { port, connections } = await countingListener();
    for (const url of [`http://localhost:${port}`, `socks5h://localhost:${port}`]) {
      const e = await failure(proxyAgent(url, strict));
      expect(e.message).toMatch(/refused: .+ is a loopback address/);
    }
    expect(connections()).toBe(0);
  });

  it("connects to the same proxy when the operator allows private addresses", async () => {
    const { port, connections } = await countingListener();
    await failure(proxyAgent(`http://localhost:${port}`, new UrlGuard({ allowPrivate: true })));
    expect(connections()).toBe(1);
  });
});
