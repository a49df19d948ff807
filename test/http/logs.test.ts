import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { httpHarness, type HttpHarness, type Req } from "../support/http-harness.js";

describe("logs never contain a token", () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await httpHarness();
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("across successes, refusals, validation errors, bad JSON and replays", async () => {
    const secrets: string[] = [h.accountToken];
    const created = await h.request({ method: "POST", url: "/v1/instances", token: h.accountToken, headers: { "idempotency-key": "log-1" }, body: { name: "logged", platform: "memory" } });
    expect(created.statusCode).toBe(201);
    const instanceToken = (created.json() as { token: string }).token;
    secrets.push(instanceToken);
    const minted = await h.request({ method: "POST", url: "/v1/tokens", token: h.accountToken, body: { scope: "account", label: "extra" } });
    const extraToken = (minted.json() as { token: string }).token;
    secrets.push(extraToken);
    const botToken = "bot-secret-123456789";
    secrets.push(botToken);
    h.platform.addTokenAccount(botToken);

    const requests: Req[] = [
      { url: "/v1/instances", token: h.accountToken },
      { url: "/v1/instances/logged", token: instanceToken, tokenHeader: true },
      { url: "/v1/instances/logged", token: instanceToken, tokenHeader: "apikey" },
      { url: "/v1/tokens", token: instanceToken, tokenHeader: "x-api-key" }, // 403
      { url: "/v1/tokens", token: instanceToken }, // 403
      { url: "/v1/tokens", token: `${extraToken}x` }, // 401, near-miss of a real token
      { url: "/v1/instances", headers: { authorization: `Basic ${extraToken}` } }, // 401, wrong scheme
      { method: "POST", url: "/v1/instances", token: h.accountToken, headers: { "idempotency-key": "log-1" }, body: { name: "logged", platform: "memory" } }, // replay
      { method: "POST", url: "/v1/instances/logged/connect", token: h.accountToken, body: { login: { method: "token", token: 42 } } }, // 400
      { method: "POST", url: "/v1/instances/logged/connect", token: h.accountToken, headers: { "content-type": "application/json" }, payload: `{"login": {"method": "token", "token": ${botToken}}` }, // bad JSON quoting a secret
      { method: "POST", url: "/v1/instances/logged/connect", token: h.accountToken, body: { login: { method: "token", token: botToken }, wait: "connected" } }, // 200
      { method: "POST", url: "/v1/instances/logged/connect", token: h.accountToken, body: { login: { method: "token", token: botToken } } }, // 409: already has credentials
      { url: "/metrics", token: h.accountToken },
      { url: "/v1/nothing", token: h.accountToken },
    ];
    for (const r of requests) {
      const res = await h.request(r);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect(h.logs.length).toBeGreaterThan(requests.length);
    // The logs did capture requests (so the check below is not vacuous).
    expect(h.logs.join("")).toContain('"route":"/v1/instances/:name/connect"');
    for (const line of h.logs) {
      for (const s of secrets) expect(line.includes(s), `log line contains a secret: ${line.slice(0, 200)}`).toBe(false);
    }
  });

  it("the logger redacts token headers wherever a request object is logged", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream });
    const headers = { authorization: `Bearer ${h.accountToken}`, token: h.accountToken, apikey: h.accountToken, "x-api-key": h.accountToken };
    logger.info({ req: { headers } }, "probe");
    logger.info({ headers }, "probe");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toContain("[redacted]");
      expect(line).not.toContain(h.accountToken);
    }
  });

  it("an unexpected error is logged with its cause and answered generically", async () => {
    const gateway = h.core.gateway;
    const original = gateway.platforms.bind(gateway);
    gateway.platforms = () => {
      throw new TypeError("kaboom: internal detail");
    };
    try {
      const res = await h.request({ url: "/v1/platforms", token: h.accountToken });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: "INTERNAL", message: "Internal error." } });
      expect(res.body).not.toContain("kaboom");
      expect(h.logs.some((l) => l.includes("kaboom") && l.includes('"level":50'))).toBe(true);
    } finally {
      gateway.platforms = original;
    }
  });
});
