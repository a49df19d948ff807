import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, errorCode, fillPattern, httpHarness, type Caller, type HttpHarness, type RouteCase } from "../support/http-harness.js";

/**
 * The token scope matrix: every route × {account token, the instance's own token, another
 * instance's token, no token, a garbage token}. Each row gets fresh instances, so rows don't
 * interfere; within a row, refused callers go first and state-changing allowed callers last.
 */
const CALLERS: readonly Caller[] = ["none", "garbage", "other", "own", "account"];

const CODE_BY_STATUS: Record<number, string> = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN" };

/** How a row presents its tokens, in turn: every header that carries a token is used across the rows. */
const PRESENTATIONS = [false, "token", "apikey", "x-api-key"] as const;

describe("token scope matrix", () => {
  let h: HttpHarness;
  let row = 0;
  beforeAll(async () => {
    h = await httpHarness();
  });
  afterAll(async () => {
    await h.dispose();
  });

  async function setupRow(route: RouteCase) {
    row++;
    const name = `own-${row}`;
    const other = `other-${row}`;
    const ownToken =
      route.setup === "qr" ? await h.instanceAwaitingQr(name) : route.setup === "connected" ? await h.connectedInstance(name) : await h.createInstance(name);
    const otherToken = await h.createInstance(other);
    const { record } = await h.core.gateway.createToken({ scope: "instance", instance: name, label: "to revoke" });
    const tokens: Record<Caller, string | undefined> = {
      account: h.accountToken,
      own: ownToken,
      other: otherToken,
      none: undefined,
      garbage: "sba_this-is-not-a-real-token-0000000000000",
    };
    return { name, tokens, tokenId: record.id };
  }

  it.each(ROUTES.map((r) => [`${r.method} ${r.pattern}`, r] as const))("%s", async (_label, route) => {
    const { name, tokens, tokenId } = await setupRow(route);
    const got: Partial<Record<Caller, number>> = {};
    for (const caller of CALLERS) {
      // Each allowed caller that creates something needs its own unique input.
      const unique = `new-${row}-${caller}`;
      const url = fillPattern(route.pattern, { name, tokenId }) + (route.query ?? "");
      const token = tokens[caller];
      const tokenHeader = PRESENTATIONS[row % PRESENTATIONS.length]!;
      const res = await h.request({
        method: route.method,
        url,
        ...(token !== undefined && { token, tokenHeader }),
        ...(route.body && { body: route.body({ name, unique, tokenId }) }),
      });
      got[caller] = res.statusCode;
      const want = CODE_BY_STATUS[res.statusCode];
      if (want) expect(errorCode(res), `${caller}: ${res.body}`).toBe(want);
      if (res.statusCode >= 400) expect(errorCode(res), `${caller}: envelope`).toBeDefined();
      // DELETE of the token by `own` is refused; by account it succeeds once. Nothing else repeats.
    }
    expect(got).toEqual(route.expect);
  });

  it("an instance token gets 403 for an instance that does not exist (names do not leak)", async () => {
    const token = await h.createInstance("leak-check");
    for (const url of ["/v1/instances/no-such-instance", "/v1/instances/no-such-instance/qr"]) {
      const res = await h.request({ url, token });
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe("FORBIDDEN");
    }
    const byAccount = await h.request({ url: "/v1/instances/no-such-instance", token: h.accountToken });
    expect(byAccount.statusCode).toBe(404);
    expect(errorCode(byAccount)).toBe("INSTANCE_NOT_FOUND");
  });

  it("the token, apikey (Evolution API) and X-Api-Key (WAHA) headers work like Authorization: Bearer, and other schemes do not", async () => {
    const own = await h.createInstance("alias-own");
    await h.createInstance("alias-other");
    for (const tokenHeader of ["token", "apikey", "x-api-key"] as const) {
      expect((await h.request({ url: "/v1/platforms", token: h.accountToken, tokenHeader })).statusCode).toBe(200);
      expect((await h.request({ url: "/v1/instances/alias-own", token: own, tokenHeader })).statusCode).toBe(200);
      expect((await h.request({ url: "/v1/instances/alias-other", token: own, tokenHeader })).statusCode).toBe(403);
      expect((await h.request({ url: "/v1/tokens", token: own, tokenHeader })).statusCode).toBe(403);
      const garbage = await h.request({ url: "/v1/platforms", token: "sba_not-a-real-token-000000000000000000", tokenHeader });
      expect(garbage.statusCode).toBe(401);
      expect(errorCode(garbage)).toBe("UNAUTHENTICATED");
    }
    const upper = await h.request({ url: "/v1/platforms", headers: { "X-API-KEY": h.accountToken } });
    expect(upper.statusCode).toBe(200);
    const basic = await h.request({ url: "/v1/platforms", headers: { authorization: `Basic ${h.accountToken}` } });
    expect(basic.statusCode).toBe(401);
    expect(basic.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("an instance token lists only its own instance", async () => {
    const token = await h.createInstance("list-own");
    await h.createInstance("list-other");
    const own = await h.request({ url: "/v1/instances?limit=500", token });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ items: [expect.objectContaining({ name: "list-own" })], next: null });
    expect(own.json().items[0]).not.toHaveProperty("history");
    const filtered = await h.request({ url: "/v1/instances?platform=telegram", token });
    expect(filtered.json()).toEqual({ items: [], next: null });
    const after = await h.request({ url: "/v1/instances?after=list-own", token });
    expect(after.json()).toEqual({ items: [], next: null });
    const all = await h.request({ url: "/v1/instances?limit=500", token: h.accountToken });
    expect(all.json().items.map((i: { name: string }) => i.name)).toEqual(expect.arrayContaining(["list-own", "list-other"]));
  });

  it("a token of a deleted instance is refused (401)", async () => {
    const token = await h.createInstance("gone-soon");
    expect((await h.request({ url: "/v1/instances/gone-soon", token })).statusCode).toBe(200);
    expect((await h.request({ method: "DELETE", url: "/v1/instances/gone-soon", token: h.accountToken })).statusCode).toBe(200);
    const res = await h.request({ url: "/v1/instances/gone-soon", token });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe("UNAUTHENTICATED");
  });

  it("HEAD follows the access rules of its GET route", async () => {
    const token = await h.createInstance("head-check");
    expect((await h.request({ method: "HEAD", url: "/v1/tokens", token })).statusCode).toBe(403);
    expect((await h.request({ method: "HEAD", url: "/metrics" })).statusCode).toBe(401);
    expect((await h.request({ method: "HEAD", url: "/v1/instances/head-check", token })).statusCode).toBe(200);
    expect((await h.request({ method: "HEAD", url: "/health" })).statusCode).toBe(200);
  });

  it("unknown routes are 404 NOT_FOUND with the envelope, whatever the token", async () => {
    for (const token of [h.accountToken, undefined, "garbage-token-value"]) {
      const res = await h.request({ url: "/v1/nothing-here", ...(token !== undefined && { token }) });
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe("NOT_FOUND");
    }
  });
});
