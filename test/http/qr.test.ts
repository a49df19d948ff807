import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpHarness, type HttpHarness } from "../support/http-harness.js";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("GET /v1/instances/:name/qr", () => {
  let h: HttpHarness;
  let ownToken: string;
  let qr: string;
  beforeAll(async () => {
    h = await httpHarness();
    ownToken = await h.instanceAwaitingQr("phone");
    qr = (await h.core.gateway.qr("phone")).qr;
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("answers JSON by default", async () => {
    const res = await h.request({ url: "/v1/instances/phone/qr", token: ownToken });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["vary"]).toMatch(/Accept/);
    const body = res.json() as { qr: string; expiresAt: number | null; attempt: number };
    expect(body.qr).toBe(qr);
    expect(body.attempt).toBe(1);
    expect(typeof body.expiresAt).toBe("number");
  });

  it.each([
    ["Accept: image/png", { accept: "image/png" }, ""],
    ["?format=png", {}, "?format=png"],
    ["Accept: image/*", { accept: "image/*" }, ""],
    ["?format=png overrides Accept", { accept: "application/json" }, "?format=png"],
    ["q-values prefer png", { accept: "image/svg+xml;q=0.5, image/png;q=0.9, application/json;q=0.1" }, ""],
  ])("renders PNG (%s)", async (_what, headers: Record<string, string>, query) => {
    const res = await h.request({ url: `/v1/instances/phone/qr${query}`, token: h.accountToken, headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("image/png");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.rawPayload.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(res.rawPayload.length).toBeGreaterThan(100);
  });

  it.each([
    ["Accept: image/svg+xml", { accept: "image/svg+xml" }, ""],
    ["?format=svg", {}, "?format=svg"],
    ["q-values prefer svg", { accept: "image/png;q=0.4, image/svg+xml" }, ""],
  ])("renders SVG (%s)", async (_what, headers: Record<string, string>, query) => {
    const res = await h.request({ url: `/v1/instances/phone/qr${query}`, token: h.accountToken, headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(res.body.trimStart()).toMatch(/^<svg[\s>]/);
    expect(res.body).toContain("</svg>");
  });

  it.each([
    ["*/*", { accept: "*/*" }],
    ["a browser's Accept with */*", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }],
    ["?format=json over image Accept", { accept: "image/png" }],
  ])("answers JSON for %s", async (what, headers: Record<string, string>) => {
    const query = what.startsWith("?format=json") ? "?format=json" : "";
    const res = await h.request({ url: `/v1/instances/phone/qr${query}`, token: h.accountToken, headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect((res.json() as { qr: string }).qr).toBe(qr);
  });

  it("is 409 NO_LOGIN_PENDING once the instance is connected", async () => {
    h.platform.scan(qr);
    await h.core.gateway.connect("phone", { wait: "connected", timeoutMs: 5000 });
    const res = await h.request({ url: "/v1/instances/phone/qr?format=png", token: ownToken });
    expect(res.statusCode).toBe(409);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect((res.json() as { error: { code: string } }).error.code).toBe("NO_LOGIN_PENDING");
  });
});
