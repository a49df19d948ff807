import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiClient,
  CliApiError,
  GatewayTimeoutError,
  GatewayUnreachableError,
  displayUrl,
} from "../../src/cli/client.js";
import { EXIT, UsageError, exitCodeFor } from "../../src/cli/errors.js";
import { envelope, startFakeGateway, type FakeGateway } from "./fake-gateway.js";

let gw: FakeGateway;
beforeAll(async () => {
  gw = await startFakeGateway();
});
afterAll(async () => {
  await gw.close();
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

/** A port with nothing listening on it (bound, read, released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("ApiClient requests", () => {
  it("sends the bearer token, the JSON body and the query, and parses the JSON answer", async () => {
    gw.on("POST", "/v1/instances/a%20b/connect", (req) => ({ body: { echo: req.body, wait: req.query.get("wait") } }));
    const client = new ApiClient({ baseUrl: gw.url, token: "sbk_secret" });
    const res = await client.request<{ echo: unknown; wait: string }>("POST", `/v1/instances/${encodeURIComponent("a b")}/connect`, {
      query: { wait: "connected", timeoutMs: 5000, skipped: undefined },
      body: { login: { method: "token", token: "t" } },
    });
    expect(res).toEqual({ echo: { login: { method: "token", token: "t" } }, wait: "connected" });
    const req = gw.requests.at(-1)!;
    expect(req.headers.authorization).toBe("Bearer sbk_secret");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.query.get("timeoutMs")).toBe("5000");
    expect(req.query.has("skipped")).toBe(false);
  });

  it("keeps a path prefix of the base URL and sends no Authorization without a token", async () => {
    gw.on("GET", "/prefix/v1/platforms", { body: { items: [] } });
    const client = new ApiClient({ baseUrl: `${gw.url}/prefix` });
    expect(await client.request("GET", "/v1/platforms")).toEqual({ items: [] });
    expect(gw.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("returns undefined for an empty 2xx body, and raw bytes from requestRaw", async () => {
    gw.on("DELETE", "/v1/empty", { status: 204 });
    gw.on("GET", "/v1/img", { headers: { "content-type": "image/png" }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    const client = new ApiClient({ baseUrl: gw.url });
    expect(await client.request("DELETE", "/v1/empty")).toBeUndefined();
    const raw = await client.requestRaw("GET", "/v1/img", { accept: "image/png" });
    expect(raw.contentType).toBe("image/png");
    expect([...raw.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(gw.requests.at(-1)!.headers.accept).toBe("image/png");
  });

  it("rejects a non-http base URL", () => {
    expect(() => new ApiClient({ baseUrl: "ftp://example.com" })).toThrow(TypeError);
    expect(() => new ApiClient({ baseUrl: "not a url" })).toThrow(TypeError);
  });
});

describe("ApiClient error mapping", () => {
  it("maps the envelope to CliApiError {status, code, message, details, retryAfterMs}", async () => {
    gw.on("POST", "/v1/instances", {
      status: 409,
      body: envelope("INSTANCE_EXISTS", "An instance with that name already exists.", { details: { name: "a" } }),
    });
    const e = await caught(new ApiClient({ baseUrl: gw.url }).request("POST", "/v1/instances", { body: {} }));
    expect(e).toBeInstanceOf(CliApiError);
    expect(e).toMatchObject({
      status: 409,
      code: "INSTANCE_EXISTS",
      message: "An instance with that name already exists.",
      details: { name: "a" },
      retryAfterMs: undefined,
    });
    expect((e as CliApiError).toEnvelope()).toEqual(
      envelope("INSTANCE_EXISTS", "An instance with that name already exists.", { details: { name: "a" } }),
    );
  });

  it("takes retryAfterMs from the envelope, else from the Retry-After header (seconds)", async () => {
    gw.on("GET", "/v1/limited-body", { status: 429, headers: { "retry-after": "9" }, body: envelope("RATE_LIMITED", "Too many requests.", { retryAfterMs: 1500 }) });
    gw.on("GET", "/v1/limited-header", { status: 429, headers: { "retry-after": "3" }, body: envelope("RATE_LIMITED", "Too many requests.") });
    const client = new ApiClient({ baseUrl: gw.url });
    expect(await caught(client.request("GET", "/v1/limited-body"))).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 1500 });
    expect(await caught(client.request("GET", "/v1/limited-header"))).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 3000 });
  });

  it("maps a non-envelope answer by status (a proxy's HTML page)", async () => {
    gw.on("GET", "/v1/proxy-502", { status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" });
    gw.on("GET", "/v1/proxy-401", { status: 401, body: { message: "nope" } });
    const client = new ApiClient({ baseUrl: gw.url });
    const e502 = await caught(client.request("GET", "/v1/proxy-502"));
    expect(e502).toMatchObject({ status: 502, code: "HTTP_ERROR", details: { envelope: false } });
    expect((e502 as Error).message).toContain("HTTP 502 Bad Gateway");
    expect((e502 as Error).message).toContain("text/html");
    expect(await caught(client.request("GET", "/v1/proxy-401"))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("answers BAD_RESPONSE for a 2xx body that is not JSON", async () => {
    gw.on("GET", "/v1/garbage", { headers: { "content-type": "text/plain" }, body: "hello" });
    expect(await caught(new ApiClient({ baseUrl: gw.url }).request("GET", "/v1/garbage"))).toMatchObject({
      status: 200,
      code: "BAD_RESPONSE",
    });
  });

  it("maps connection refused to GatewayUnreachableError with a clear message", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await caught(new ApiClient({ baseUrl: url, token: "sbk_secret" }).request("GET", "/v1/instances"));
    expect(e).toBeInstanceOf(GatewayUnreachableError);
    expect((e as GatewayUnreachableError).causeCode).toBe("ECONNREFUSED");
    expect((e as Error).message).toBe(`cannot reach the gateway at ${url}: is \`switchboard serve\` running?`);
    expect((e as Error).message).not.toContain("sbk_secret");
  });

  it("shows the URL without userinfo", async () => {
    const port = await freePort();
    const e = await caught(new ApiClient({ baseUrl: `http://user:pw@127.0.0.1:${port}/` }).request("GET", "/v1/x"));
    expect((e as Error).message).toContain(`http://127.0.0.1:${port}:`);
    expect((e as Error).message).not.toContain("pw");
    expect(displayUrl("https://a:b@h.example/p/")).toBe("https://h.example/p");
  });

  it("maps a slow answer to GatewayTimeoutError", async () => {
    gw.on("GET", "/v1/slow", { delayMs: 500, body: {} });
    const e = await caught(new ApiClient({ baseUrl: gw.url, timeoutMs: 100 }).request("GET", "/v1/slow"));
    expect(e).toBeInstanceOf(GatewayTimeoutError);
    expect((e as GatewayTimeoutError).timeoutMs).toBe(100);
  });
});

describe("exit codes", () => {
  const api = (status: number) => new CliApiError(status, { code: "X", message: "m" });
  it("maps errors to the documented exit codes", () => {
    expect(exitCodeFor(api(400))).toBe(EXIT.failure);
    expect(exitCodeFor(api(409))).toBe(1);
    expect(exitCodeFor(api(502))).toBe(1);
    expect(exitCodeFor(api(401))).toBe(4);
    expect(exitCodeFor(api(403))).toBe(4);
    expect(exitCodeFor(api(404))).toBe(5);
    expect(exitCodeFor(new GatewayUnreachableError("http://x", "ECONNREFUSED"))).toBe(3);
    expect(exitCodeFor(new GatewayTimeoutError("http://x", 1))).toBe(1);
    expect(exitCodeFor(new UsageError("bad"))).toBe(2);
    expect(exitCodeFor(new Error("boom"))).toBe(1);
  });
});
