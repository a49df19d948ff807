/**
 * The `wwebjs` compat profile (docs/compat.md): the single-session API of whatsapp-web.js REST
 * servers, bound to one WhatsApp Web instance in sandbox mode, played as their users do —
 * `curl -X POST …/api/auth/start`, the `/qr` page in a browser, `curl -X POST …/api/logout` and the
 * state after it: exact bodies, the device gone from the sandbox phone, no credential left, a second
 * logout answering the same, and the next start showing a new QR (the one deliberate difference:
 * here a logout wipes the saved session).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";
import { until } from "../support/gateway-harness.js";
import { storedSecretRows } from "../support/raw-files.js";

const ACCOUNT = "sba_compat-wwebjs-account-token-0123456789abcdef";
const SESSION = "wa-session";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted whole or field by field
type Json = any;

let server: RunningServer;
let dir: string;

/** `curl -X <method> <url> -H "Authorization: Bearer <token>"` (no body unless given). */
async function curl(method: string, path: string, opts: { token?: string | null; header?: string; body?: unknown } = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const token = opts.token === undefined ? ACCOUNT : opts.token;
  const auth: Record<string, string> = token === null ? {} : opts.header ? { [opts.header]: token } : { authorization: `Bearer ${token}` };
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...auth, ...(opts.body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.startsWith("application/json") ? (JSON.parse(text) as Json) : text, headers: res.headers };
}



const STOPPED = { state: "stopped", ready: false, qr: null, info: null };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-compat-wwebjs-"));
  server = await startServer({
    sandbox: true,
    port: 0,
    dataDir: dir,
    accountToken: ACCOUNT,
    logLevel: "silent",
    rateLimitPerMinute: 100_000,
    compat: { profiles: ["wwebjs"], instance: SESSION },
    gateway: { timeouts: { platformCallMs: 2_000 } },
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("compat profile wwebjs", () => {
  it("start → QR page → scan → ready → logout (device unlinked, credentials gone, state reset) → logout again → start shows a new QR", async () => {
    expect((await curl("GET", "/api/state")).body).toEqual(STOPPED);
    // Before the first start there is no session: a logout still answers ok.
    expect((await curl("POST", "/api/logout")).body).toEqual({ ok: true });

    const start = await curl("POST", "/api/auth/start");
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ ok: true, state: "qr", ready: false, qr: expect.stringMatching(/(^|#)2@/), info: null });

    // The page a person opens: the QR as inline SVG, reloading itself, never cached, no script.
    const page = await curl("GET", `/qr?access_token=${ACCOUNT}`, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.body).toContain("<svg");
    expect(page.body).toMatch(/<meta http-equiv="refresh" content="\d+">/);
    expect(page.body).not.toContain("<script");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await curl("GET", "/qr", { token: null })).status).toBe(401);

    const phone = (await curl("POST", "/sandbox/whatsapp-web/phones", { body: {} })).body as { id: string; number: string };
    expect((await curl("POST", `/sandbox/whatsapp-web/phones/${phone.id}/scan`, { body: { qr: start.body.qr } })).status).toBe(200);
    const ready = await until(async () => {
      const s = await curl("GET", "/api/state");
      return s.body.ready ? s.body : null;
    }, 15_000, "ready");
    expect(ready).toEqual({ state: "ready", ready: true, qr: null, info: { wid: `${phone.number}@s.whatsapp.net`, pushname: null } });
    const linkedPage = await curl("GET", `/qr?access_token=${ACCOUNT}`, { token: null });
    expect(linkedPage.body).toContain("Linked");
    expect(linkedPage.body).not.toContain("http-equiv");
    expect((await curl("GET", `/sandbox/whatsapp-web/phones/${phone.id}`)).body.devices).toHaveLength(1);
    expect(storedSecretRows(dir, SESSION)).toBeGreaterThan(0);

    // curl -X POST http://localhost:8080/api/logout
    const logout = await curl("POST", "/api/logout");
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ ok: true });
    expect((await curl("GET", "/api/state")).body).toEqual(STOPPED);
    expect((await curl("GET", `/sandbox/whatsapp-web/phones/${phone.id}`)).body.devices).toEqual([]);
    expect(storedSecretRows(dir, SESSION)).toBe(0);

    const again = await curl("POST", "/api/logout");
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { ok: true } });
    expect((await curl("GET", "/api/state")).body).toEqual(STOPPED);

    // Unlike servers that keep LocalAuth's folder, nothing is restored: the next start shows a new QR.
    const restart = await curl("POST", "/api/auth/start");
    expect(restart.body).toMatchObject({ ok: true, state: "qr", ready: false, info: null });
    expect(restart.body.qr).not.toBe(start.body.qr);

    // A pairing code instead of the QR; the phone that enters it is linked.
    const other = (await curl("POST", "/sandbox/whatsapp-web/phones", { body: {} })).body as { id: string; number: string };
    const code = await curl("POST", "/api/pairing-code", { body: { phoneNumber: other.number } });
    expect(code.status, JSON.stringify(code.body)).toBe(200);
    expect(code.body).toEqual({ ok: true, code: expect.stringMatching(/^[A-Z0-9]{8}$/) });
    expect((await curl("POST", `/sandbox/whatsapp-web/phones/${other.id}/pairing-code`, { body: { code: code.body.code } })).status).toBe(200);
    await until(async () => (await curl("GET", "/api/state")).body.ready === true, 15_000, "linked by code");
    expect((await curl("POST", "/api/logout")).body).toEqual({ ok: true });
  });

  it("a logout WhatsApp does not answer: 502/504 with the error, the credentials kept", async () => {
    const start = await curl("POST", "/api/auth/start");
    expect(start.body.state).toBe("qr");
    const phone = (await curl("POST", "/sandbox/whatsapp-web/phones", { body: {} })).body as { id: string };
    expect((await curl("POST", `/sandbox/whatsapp-web/phones/${phone.id}/scan`, { body: { qr: start.body.qr } })).status).toBe(200);
    await until(async () => (await curl("GET", "/api/state")).body.ready === true, 15_000, "ready");
    expect((await curl("POST", "/sandbox/whatsapp-web/faults", { body: { kind: "silence", phone: phone.id } })).status).toBe(201);
    try {
      const r = await curl("POST", "/api/logout");
      expect([502, 504]).toContain(r.status);
      expect(r.body).toEqual({ ok: false, error: expect.stringMatching(/could not confirm|credentials were kept/i) });
      expect(r.headers.get("x-switchboard-error")).toBe("LOGOUT_UNCONFIRMED");
      expect(storedSecretRows(dir, SESSION)).toBeGreaterThan(0);
    } finally {
      await curl("DELETE", "/sandbox/whatsapp-web/faults");
    }
    expect((await curl("POST", "/api/logout")).body).toEqual({ ok: true });
    expect(storedSecretRows(dir, SESSION)).toBe(0);
  });

  it("start restores a linked session from its credentials without a QR; nobody without the token can start it", async () => {
    const start = await curl("POST", "/api/auth/start");
    const phone = (await curl("POST", "/sandbox/whatsapp-web/phones", { body: {} })).body as { id: string; number: string };
    expect((await curl("POST", `/sandbox/whatsapp-web/phones/${phone.id}/scan`, { body: { qr: start.body.qr } })).status).toBe(200);
    await until(async () => (await curl("GET", "/api/state")).body.ready === true, 15_000, "ready");
    expect((await curl("POST", `/v1/instances/${SESSION}/close`)).status).toBe(200);
    expect((await curl("GET", "/api/state")).body).toEqual(STOPPED);

    const created = await curl("POST", "/v1/instances", { body: { name: "someone-else", platform: "whatsapp-web" } });
    for (const [token, status] of [[null, 401], ["garbage-token-value", 401], [created.body.token as string, 403]] as const) {
      const r = await curl("POST", "/api/auth/start", { token });
      expect({ status: r.status, ok: r.body.ok }, String(token)).toEqual({ status, ok: false });
    }
    expect((await curl("GET", `/v1/instances/${SESSION}`)).body).toMatchObject({ desired: "stopped", status: { state: "stopped" } });

    const restored = await curl("POST", "/api/auth/start");
    expect(restored.body).toEqual({ ok: true, state: "ready", ready: true, qr: null, info: { wid: `${phone.number}@s.whatsapp.net`, pushname: null } });
    expect((await curl("POST", "/api/logout")).body).toEqual({ ok: true });
  });

  it("unknown routes under /api are 404 in the profile's shape", async () => {
    const r = await curl("GET", "/api/chats");
    expect({ status: r.status, body: r.body }).toEqual({ status: 404, body: { ok: false, error: expect.any(String) } });
  });

  it("tokens as everywhere: none is 401, another instance's is 403, the bound instance's own works in any token header; bad bodies are 400", async () => {
    const created = await curl("POST", "/v1/instances", { body: { name: "not-the-session", platform: "whatsapp-web" } });
    const otherToken = created.body.token as string;
    const own = (await curl("POST", "/v1/tokens", { body: { scope: "instance", instance: SESSION, label: "own" } })).body.token as string;

    const none = await curl("GET", "/api/state", { token: null });
    expect({ status: none.status, body: none.body }).toEqual({ status: 401, body: { ok: false, error: expect.any(String) } });
    expect(none.headers.get("x-switchboard-error")).toBe("UNAUTHENTICATED");
    const foreign = await curl("POST", "/api/logout", { token: otherToken });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ ok: false, error: expect.stringMatching(/another instance/) });
    for (const header of ["token", "apikey", "x-api-key"]) {
      expect((await curl("GET", "/api/state", { token: own, header })).status, header).toBe(200);
    }
    const bad = await curl("POST", "/api/pairing-code", { body: { phoneNumber: "not a number" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ ok: false, error: expect.any(String) });
    const noBody = await curl("POST", "/api/pairing-code");
    expect(noBody.status).toBe(400);
  });
});

describe("compat profile wwebjs: the first start", () => {
  it("two first starts at once create the bound instance once, answer the same QR login, and leave no unseen instance token", async () => {
    const d = mkdtempSync(join(tmpdir(), "sb-compat-wwebjs-first-"));
    const gw = await startServer({ sandbox: true, port: 0, dataDir: d, accountToken: ACCOUNT, logLevel: "silent", compat: { profiles: ["wwebjs"], instance: "fresh" } });
    try {
      const start = (): Promise<{ status: number; body: Json }> =>
        fetch(`${gw.url}/api/auth/start`, { method: "POST", headers: { authorization: `Bearer ${ACCOUNT}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }));
      const [a, b] = await Promise.all([start(), start()]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body).toMatchObject({ ok: true, state: "qr" });
      expect(b.body.qr).toBe(a.body.qr);
      const tokens = await fetch(`${gw.url}/v1/tokens?instance=fresh`, { headers: { authorization: `Bearer ${ACCOUNT}` } }).then((r) => r.json() as Promise<Json>);
      expect(tokens.items).toEqual([]);
    } finally {
      await gw.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
