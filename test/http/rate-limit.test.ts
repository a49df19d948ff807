import { afterEach, describe, expect, it } from "vitest";
import { errorCode, httpHarness, type HttpHarness } from "../support/http-harness.js";

/** Parses `"default";r=<remaining>;t=<seconds>`. */
function parseRateLimit(v: unknown): { r: number; t: number } {
  const m = /^"default";r=(\d+);t=(\d+)$/.exec(String(v));
  if (!m) throw new Error(`bad RateLimit header: ${String(v)}`);
  return { r: Number(m[1]), t: Number(m[2]) };
}

describe("rate limit", () => {
  let h: HttpHarness;
  afterEach(async () => {
    await h.dispose();
  });

  it("the 6th request with points 5 is 429 with Retry-After; headers present and decreasing", async () => {
    h = await httpHarness({ rateLimit: { points: 5, durationMs: 60_000 } });
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.request({ url: "/v1/platforms", token: h.accountToken });
      expect(res.statusCode).toBe(200);
      expect(res.headers["ratelimit-policy"]).toBe('"default";q=5;w=60');
      const rl = parseRateLimit(res.headers["ratelimit"]);
      expect(rl.t).toBeGreaterThan(0);
      expect(rl.t).toBeLessThanOrEqual(60);
      remaining.push(rl.r);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);

    const sixth = await h.request({ url: "/v1/platforms", token: h.accountToken });
    expect(sixth.statusCode).toBe(429);
    expect(errorCode(sixth)).toBe("RATE_LIMITED");
    const retryAfter = Number(sixth.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = sixth.json() as { error: { retryAfterMs: number } };
    expect(body.error.retryAfterMs).toBeGreaterThan(0);
    expect(body.error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Math.ceil(body.error.retryAfterMs / 1000)).toBe(retryAfter);
    expect(sixth.headers["ratelimit-policy"]).toBe('"default";q=5;w=60');
    expect(parseRateLimit(sixth.headers["ratelimit"]).r).toBe(0);

    // Every route counts, also errors (here a 404 of the same token).
    expect((await h.request({ url: "/v1/instances/nope", token: h.accountToken })).statusCode).toBe(429);
  });

  it("separate tokens have separate budgets", async () => {
    h = await httpHarness({ rateLimit: { points: 5, durationMs: 60_000 } });
    const instanceToken = await h.createInstance("budget");
    for (let i = 0; i < 5; i++) expect((await h.request({ url: "/v1/platforms", token: h.accountToken })).statusCode).toBe(200);
    expect((await h.request({ url: "/v1/platforms", token: h.accountToken })).statusCode).toBe(429);
    const other = await h.request({ url: "/v1/platforms", token: instanceToken });
    expect(other.statusCode).toBe(200);
    expect(parseRateLimit(other.headers["ratelimit"]).r).toBe(4);
    // The same token through the `token` header shares its budget.
    const sameViaHeader = await h.request({ url: "/v1/platforms", token: h.accountToken, tokenHeader: true });
    expect(sameViaHeader.statusCode).toBe(429);
  });

  it("requests without a valid token are limited per IP; /health and /ready never", async () => {
    h = await httpHarness({ rateLimit: { points: 5, durationMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      const res = await h.request({ url: "/v1/platforms", token: `garbage-${i}-aaaaaaaaaaaa` });
      expect(res.statusCode).toBe(401);
      expect(res.headers["ratelimit"]).toBeDefined();
    }
    const limited = await h.request({ url: "/v1/platforms" });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    // A valid token has its own budget even from the same IP.
    expect((await h.request({ url: "/v1/platforms", token: h.accountToken })).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) {
      for (const url of ["/health", "/ready"]) {
        const res = await h.request({ url });
        expect(res.statusCode).toBe(200);
        expect(res.headers["ratelimit"]).toBeUndefined();
      }
    }
  });

  it("the window resets", async () => {
    h = await httpHarness({ rateLimit: { points: 2, durationMs: 300 } });
    const policy = (await h.request({ url: "/v1/platforms", token: h.accountToken })).headers["ratelimit-policy"];
    expect(policy).toBe('"default";q=2;w=1');
    await h.request({ url: "/v1/platforms", token: h.accountToken });
    expect((await h.request({ url: "/v1/platforms", token: h.accountToken })).statusCode).toBe(429);
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.request({ url: "/v1/platforms", token: h.accountToken })).statusCode).toBe(200);
  });

  it("the default is 100 requests per 60 s", async () => {
    h = await httpHarness({ rateLimit: undefined });
    // httpHarness raises the limit for other tests; build one with the default explicitly here.
    const { buildHttpApp } = await import("../../src/http/app.js");
    const { pino } = await import("pino");
    const app = await buildHttpApp({
      gateway: h.core.gateway,
      idempotency: h.core.store.idempotency,
      metrics: h.core.gateway.metrics,
      logger: pino({ level: "silent" }),
      version: "t",
    });
    const res = await app.inject({ url: "/v1/platforms", headers: { authorization: `Bearer ${h.accountToken}` } });
    expect(res.headers["ratelimit-policy"]).toBe('"default";q=100;w=60');
    expect(parseRateLimit(res.headers["ratelimit"]).r).toBe(99);
    await app.close();
  });
});
