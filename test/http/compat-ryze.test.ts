/**
 * The `ryze` compat profile (docs/compat.md) played as RyzeAPI's users' code plays it — the calls
 * its documentation shows in cURL and JavaScript `fetch`, with the `token` header — against a
 * WhatsApp Web instance in sandbox mode: exact bodies and statuses, the device gone from the
 * sandbox phone after logout, no credential left in the database, `reconnect` refused after the
 * logout, a second logout answering the same; then bad input: tokens, unknown instances, a logout
 * while WhatsApp cannot be reached (500, credentials kept), and the profile's own budget of 100
 * requests per minute.
 */
import Sqlite from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";

const ACCOUNT = "sba_compat-ryze-account-token-0123456789abcdef";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted whole or field by field
type Json = any;

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

let server: RunningServer;
let dir: string;

/** A RyzeAPI call as its docs show it: `fetch(url, {method, headers: {token}})`, JSON body when given. */
async function ryze(method: string, path: string, token: string | null, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token !== null ? { token } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** The gateway's own API and the sandbox proxy (account token). */
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ACCOUNT}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : null };
}

async function until<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Rows of the `secrets` table of instance `name`, read from the database file itself. */
function storedSecrets(name: string): number {
  const db = new Sqlite(join(dir, "switchboard.db"), { readonly: true });
  try {
    const row = db.prepare("select count(*) as n from secrets s join instances i on i.id = s.instance_id where i.name = ?").get(name) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** Creates `name` through the profile, scans its QR with a new sandbox phone; answers its TokenInstance and the phone id. */
async function linked(name: string): Promise<{ token: string; phone: string }> {
  const created = await ryze("POST", "/api/instance/create", ACCOUNT, { name });
  expect(created.status).toBe(200);
  const token = created.body.instance.token as string;
  const connect = await ryze("GET", `/api/instance/connect/${name}`, token);
  expect(connect.status, JSON.stringify(connect.body)).toBe(200);
  const phone = (await api("POST", "/sandbox/whatsapp-web/phones", {})).body.id as string;
  expect((await api("POST", `/sandbox/whatsapp-web/phones/${phone}/scan`, { qr: connect.body.qrCode })).status).toBe(200);
  await until(async () => (await ryze("GET", `/api/instance/status/${name}`, token)).body.instance.status === "connected", 15_000, "connected");
  return { token, phone };
}

const devicesOf = async (phone: string): Promise<unknown[]> => (await api("GET", `/sandbox/whatsapp-web/phones/${phone}`)).body.devices as unknown[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-compat-ryze-"));
  server = await startServer({
    sandbox: true,
    port: 0,
    dataDir: dir,
    accountToken: ACCOUNT,
    logLevel: "silent",
    rateLimitPerMinute: 100_000,
    compat: { profiles: ["ryze"] },
    gateway: { timeouts: { platformCallMs: 2_000 } },
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("compat profile ryze: the contract as its docs show it", () => {
  it("create → connect (QR) → scan → status → logout (device unlinked, credentials gone) → logout again → reconnect refused → connect shows a new QR → delete", async () => {
    const created = await ryze("POST", "/api/instance/create", ACCOUNT, { name: "my-instance" });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ success: true, message: "Instance created", instance: { name: "my-instance", token: expect.stringMatching(/^sbi_/), status: "disconnected" } });
    const tokenInstance = created.body.instance.token as string;

    const connect = await ryze("GET", "/api/instance/connect/my-instance", tokenInstance);
    expect(connect.status).toBe(200);
    expect(connect.body).toEqual({
      success: true,
      message: "QR code generated",
      qrCode: expect.stringMatching(/(^|#)2@/), // Baileys' form: `https://wa.me/settings/linked_devices#2@…`
      qrCodeBase64: expect.stringMatching(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/),
      status: "qr",
      instance: { status: "qr" },
    });

    const phone = (await api("POST", "/sandbox/whatsapp-web/phones", {})).body as { id: string; number: string };
    expect((await api("POST", `/sandbox/whatsapp-web/phones/${phone.id}/scan`, { qr: connect.body.qrCode })).status).toBe(200);
    const status = await until(async () => {
      const s = await ryze("GET", "/api/instance/status/my-instance", tokenInstance);
      return s.body.instance.status === "connected" ? s : null;
    }, 15_000, "connected");
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      success: true,
      message: "Instance status",
      instance: { name: "my-instance", status: "connected", numberJid: `${phone.number}@s.whatsapp.net`, profileName: null },
    });
    expect(await devicesOf(phone.id)).toHaveLength(1);
    expect(storedSecrets("my-instance")).toBeGreaterThan(0);

    // curl -X DELETE ".../api/instance/logout/my-instance" -H "token: $Token_Instance"
    const logout = await ryze("DELETE", "/api/instance/logout/my-instance", tokenInstance);
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ success: true, message: "Instance logged out", instance: { status: "loggedout" } });
    expect(await devicesOf(phone.id)).toEqual([]);
    expect(storedSecrets("my-instance")).toBe(0);

    const again = await ryze("DELETE", "/api/instance/logout/my-instance", tokenInstance);
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: logout.body });

    const reconnect = await ryze("POST", "/api/instance/reconnect/my-instance", tokenInstance);
    expect(reconnect.status).toBe(400);
    expect(reconnect.body).toEqual({ success: false, error: { message: "Instance has no saved session — call /connect first" } });

    expect((await ryze("GET", "/api/instance/status/my-instance", tokenInstance)).body.instance.status).toBe("loggedout");
    // The instance record and its token remain: connect works with the same token and shows a new QR.
    const fresh = await ryze("GET", "/api/instance/connect/my-instance", tokenInstance);
    expect(fresh.body).toMatchObject({ success: true, status: "qr" });
    expect(fresh.body.qrCode).not.toBe(connect.body.qrCode);

    // Delete: the account token only (a TokenInstance is "Invalid token"), then the name is gone.
    expect((await ryze("DELETE", "/api/instance/delete/my-instance", tokenInstance)).body).toEqual({ success: false, error: { message: "Invalid token" } });
    const deleted = await ryze("DELETE", "/api/instance/delete/my-instance", ACCOUNT);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, message: "Instance deleted", instance: { status: "deleted" } });
    const gone = await ryze("GET", "/api/instance/status/my-instance", ACCOUNT);
    expect({ status: gone.status, body: gone.body }).toEqual({ status: 404, body: { success: false, error: { message: "Instance not found" } } });
  });

  it("reconnect restores a closed session from its credentials, without a QR", async () => {
    const { token } = await linked("closed-one");
    expect((await api("POST", "/v1/instances/closed-one/close")).status).toBe(200);
    expect((await ryze("GET", "/api/instance/status/closed-one", token)).body.instance.status).toBe("disconnected");
    const r = await ryze("POST", "/api/instance/reconnect/closed-one", token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, message: "Reconnect initiated", status: "connecting", instance: { status: "connecting" } });
    await until(async () => (await ryze("GET", "/api/instance/status/closed-one", token)).body.instance.status === "connected", 15_000, "reconnected");
  });

  it("connect with ?number= answers a pairing code, and the phone that enters it is linked", async () => {
    const created = await ryze("POST", "/api/instance/new", ACCOUNT, { name: "by-code" });
    expect(created.body).toMatchObject({ success: true, instance: { name: "by-code", status: "disconnected" } });
    const token = created.body.instance.token as string;
    const phone = (await api("POST", "/sandbox/whatsapp-web/phones", {})).body as { id: string; number: string };
    const r = await ryze("GET", `/api/instance/connect/by-code?number=${phone.number}`, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ success: true, message: "Pairing code generated", pairingCode: expect.stringMatching(/^[A-Z0-9]{8}$/), status: "pairing", instance: { status: "pairing" } });
    expect((await api("POST", `/sandbox/whatsapp-web/phones/${phone.id}/pairing-code`, { code: r.body.pairingCode })).status).toBe(200);
    await until(async () => (await ryze("GET", "/api/instance/status/by-code", token)).body.instance.status === "connected", 15_000, "linked by code");
  });
});

describe("compat profile ryze: bad input", () => {
  it("a missing, wrong or other instance's token is 401 Invalid token; an unknown instance is 404; bad bodies are 400", async () => {
    const mine = (await ryze("POST", "/api/instance/create", ACCOUNT, { name: "tok-mine" })).body.instance.token as string;
    await ryze("POST", "/api/instance/create", ACCOUNT, { name: "tok-other" });
    const invalid = { status: 401, body: { success: false, error: { message: "Invalid token" } } };
    for (const token of [null, "", "not-a-token", `${ACCOUNT}x`]) {
      const r = await ryze("DELETE", "/api/instance/logout/tok-mine", token);
      expect({ status: r.status, body: r.body }, String(token)).toEqual(invalid);
    }
    for (const path of ["/api/instance/status/tok-other", "/api/instance/status/no-such-instance"]) {
      const r = await ryze("GET", path, mine);
      expect({ status: r.status, body: r.body }).toEqual(invalid); // an instance token learns nothing of other names
    }
    const create = await ryze("POST", "/api/instance/create", mine, { name: "by-instance" });
    expect({ status: create.status, body: create.body }).toEqual(invalid);

    const unknown = await ryze("DELETE", "/api/instance/logout/no-such-instance", ACCOUNT);
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: 404, body: { success: false, error: { message: "Instance not found" } } });
    expect(unknown.headers.get("x-switchboard-error")).toBe("INSTANCE_NOT_FOUND");

    const dup = await ryze("POST", "/api/instance/create", ACCOUNT, { name: "tok-mine" });
    expect({ status: dup.status, body: dup.body }).toEqual({ status: 409, body: { success: false, error: { message: "Instance already exists" } } });
    const noName = await ryze("POST", "/api/instance/create", ACCOUNT, {});
    expect(noName.status).toBe(400);
    expect(noName.body).toEqual({ success: false, error: { message: expect.stringMatching(/name/) } });
    const chosenToken = await ryze("POST", "/api/instance/create", ACCOUNT, { name: "chosen", token: "my-own-token-value" });
    expect(chosenToken.status).toBe(400);
    expect(chosenToken.body.error.message).toMatch(/instance token is not supported/);
    const badNumber = await ryze("GET", "/api/instance/connect/tok-mine?number=call-me", mine);
    expect(badNumber.status).toBe(400);
    expect(badNumber.body.success).toBe(false);
  });

  it("a logout while WhatsApp does not answer: 500 Failed to logout instance, the credentials kept", async () => {
    const { token, phone } = await linked("cut-off");
    expect((await api("POST", "/sandbox/whatsapp-web/faults", { kind: "silence", phone })).status).toBe(201);
    try {
      const r = await ryze("DELETE", "/api/instance/logout/cut-off", token);
      expect({ status: r.status, body: r.body }).toEqual({ status: 500, body: { success: false, error: { message: "Failed to logout instance" } } });
      expect(r.headers.get("x-switchboard-error")).toBe("LOGOUT_UNCONFIRMED");
      expect(storedSecrets("cut-off")).toBeGreaterThan(0);
      const view = (await api("GET", "/v1/instances/cut-off")).body;
      expect(view.hasCredentials).toBe(true);
      expect(view.status.state).not.toBe("logged_out");
    } finally {
      await api("DELETE", "/sandbox/whatsapp-web/faults");
    }
  });

  it("the profile's own budget: 100 requests a minute per token; the 101st is 429 with Retry-After", async () => {
    await ryze("POST", "/api/instance/create", ACCOUNT, { name: "flooded" });
    const flooder = (await api("POST", "/v1/tokens", { scope: "account", label: "flood" })).body.token as string;
    const answers = await Promise.all(Array.from({ length: 100 }, () => ryze("GET", "/api/instance/status/flooded", flooder)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 100 }, () => 200));
    const over = await ryze("GET", "/api/instance/status/flooded", flooder);
    expect({ status: over.status, body: over.body }).toEqual({ status: 429, body: { success: false, error: { message: "Rate limit exceeded. Try again later." } } });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another token has its own budget, and the gateway's own API is not spent by the profile.
    expect((await ryze("GET", "/api/instance/status/flooded", ACCOUNT)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/instances/flooded`, { headers: { authorization: `Bearer ${flooder}` } })).status).toBe(200);
  });
});
