/**
 * The `ryze` compat profile (docs/compat.md) played as RyzeAPI's users' code plays it — the calls
 * its documentation shows in cURL and JavaScript `fetch`, with the `token` header — against a
 * WhatsApp Web instance in sandbox mode: exact bodies and statuses, the device gone from the
 * sandbox phone after logout, no credential left in the database, `reconnect` refused after the
 * logout, a second logout answering the same; then bad input: tokens, unknown instances, a logout
 * while WhatsApp cannot be reached (500, credentials kept), and the profile's own budget of 100
 * requests per minute.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";
import { until } from "../support/gateway-harness.js";
import { storedSecretRows } from "../support/raw-files.js";

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
/** Every log line of the gateway, and every secret the tests saw (none may appear in a line). */
const logLines: string[] = [];
const secrets: string[] = [ACCOUNT];

/** A RyzeAPI call as its docs show it: `fetch(url, {method, headers: {token}})`, JSON body when given. */
async function ryze(method: string, path: string, token: string | null, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token !== null ? { token } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = { status: res.status, body: (await res.json()) as Json, headers: res.headers };
  for (const s of [answer.body?.instance?.token, answer.body?.qrCode, answer.body?.pairingCode]) if (typeof s === "string") secrets.push(s);
  return answer;
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
    logLevel: "debug",
    logDestination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
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
    expect(storedSecretRows(dir, "my-instance")).toBeGreaterThan(0);

    // curl -X DELETE ".../api/instance/logout/my-instance" -H "token: $Token_Instance"
    const logout = await ryze("DELETE", "/api/instance/logout/my-instance", tokenInstance);
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ success: true, message: "Instance logged out", instance: { status: "loggedout" } });
    expect(await devicesOf(phone.id)).toEqual([]);
    expect(storedSecretRows(dir, "my-instance")).toBe(0);

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

  it("list: the account token sees every instance or those it names, an instance token only its own", async () => {
    const a = (await ryze("POST", "/api/instance/new", ACCOUNT, { name: "list-a" })).body.instance.token as string;
    await ryze("POST", "/api/instance/new", ACCOUNT, { name: "list-b" });
    const one = await ryze("GET", "/api/instance/list?instanceName=list-a", ACCOUNT);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      success: true,
      message: "1 Instance found",
      instances: [{ name: "list-a", status: "disconnected", connection: { state: "disconnected", numberJid: null }, profile: { name: null } }],
    });
    const two = await ryze("GET", "/api/instance/list?instanceName=list-a,list-b,no-such", ACCOUNT);
    expect(two.body.message).toBe("2 Instances found");
    expect(two.body.instances.map((i: Json) => i.name)).toEqual(["list-a", "list-b"]);
    const all = await ryze("GET", "/api/instance/list", ACCOUNT);
    expect(all.body.instances.map((i: Json) => i.name)).toEqual(expect.arrayContaining(["list-a", "list-b"]));
    const own = await ryze("GET", "/api/instance/list?instanceName=list-b", a); // the filter is ignored for a TokenInstance
    expect(own.body).toMatchObject({ message: "1 Instance found", instances: [{ name: "list-a" }] });
    const missing = await ryze("GET", "/api/instance/list?instanceName=no-such", ACCOUNT);
    expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { success: false, error: { message: "Instance not found" } } });
  });

  it("connect on a linked instance says so; connect with ?number= on a pending QR login switches it to a pairing code", async () => {
    const { token } = await linked("already");
    const again = await ryze("GET", "/api/instance/connect/already", token);
    expect(again.body).toEqual({ success: true, message: "Instance already connected", status: "connected", instance: { status: "connected" } });

    const pending = (await ryze("POST", "/api/instance/new", ACCOUNT, { name: "switch-me" })).body.instance.token as string;
    expect((await ryze("GET", "/api/instance/connect/switch-me", pending)).body.status).toBe("qr");
    const phone = (await api("POST", "/sandbox/whatsapp-web/phones", {})).body as { id: string; number: string };
    const code = await ryze("GET", `/api/instance/connect/switch-me?number=${phone.number}`, pending);
    expect(code.body).toMatchObject({ success: true, message: "Pairing code generated", status: "pairing" });
    expect((await api("POST", `/sandbox/whatsapp-web/phones/${phone.id}/pairing-code`, { code: code.body.pairingCode })).status).toBe(200);
    await until(async () => (await ryze("GET", "/api/instance/status/switch-me", pending)).body.instance.status === "connected", 15_000, "switched login linked");
  });

  it("connect with ?number= while a QR login is still starting answers the pairing code, not a QR", async () => {
    const token = (await ryze("POST", "/api/instance/new", ACCOUNT, { name: "racing" })).body.instance.token as string;
    const phone = (await api("POST", "/sandbox/whatsapp-web/phones", {})).body as { number: string };
    expect((await api("POST", "/v1/instances/racing/connect", {})).status).toBe(200); // no wait: the QR login is starting
    const r = await ryze("GET", `/api/instance/connect/racing?number=${phone.number}`, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ message: "Pairing code generated", pairingCode: expect.stringMatching(/^[A-Z0-9]{8}$/) });
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

  it("every route refuses no token, a garbage token and another instance's token with 401 Invalid token, and nothing happens", async () => {
    const { RYZE_ROUTES } = await import("../../src/http/compat/ryze/contract.js");
    await ryze("POST", "/api/instance/new", ACCOUNT, { name: "sweep-target" });
    const other = (await ryze("POST", "/api/instance/new", ACCOUNT, { name: "sweep-other" })).body.instance.token as string;
    for (const route of RYZE_ROUTES) {
      const path = route.url.replace(":instance", "sweep-target");
      // `list` with an instance token is not refused: it lists that token's own instance.
      for (const token of route.verb === "list" ? [null, "garbage-token-value"] : [null, "garbage-token-value", other]) {
        const r = await ryze(route.method, path, token, route.method === "POST" ? { name: "sweep-new" } : undefined);
        expect({ route: path, status: r.status, body: r.body }).toEqual({ route: path, status: 401, body: { success: false, error: { message: "Invalid token" } } });
      }
    }
    expect((await ryze("GET", "/api/instance/status/sweep-target", ACCOUNT)).body.instance.status).toBe("disconnected");
    expect((await ryze("GET", "/api/instance/status/sweep-new", ACCOUNT)).status).toBe(404);
  });

  it("the token is checked before the input; unknown routes under /api/instance are 404 in the contract's shape; integrations are refused, not ignored", async () => {
    const unauth = await ryze("POST", "/api/instance/new", null, {});
    expect({ status: unauth.status, body: unauth.body }).toEqual({ status: 401, body: { success: false, error: { message: "Invalid token" } } });
    expect(unauth.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const badNumber = await ryze("GET", "/api/instance/connect/anyone?number=x", "garbage-token");
    expect(badNumber.status).toBe(401);
    const unknown = await ryze("GET", "/api/instance/settings/anyone", ACCOUNT);
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: 404, body: { success: false, error: { message: "Not found" } } });
    const proxy = await ryze("POST", "/api/instance/new", ACCOUNT, { name: "with-proxy", proxyEnabled: true, proxyHost: "10.0.0.1" });
    expect(proxy.status).toBe(400);
    expect(proxy.body.error.message).toMatch(/^proxyEnabled: this profile does not configure integrations/);
    expect((await ryze("GET", "/api/instance/status/with-proxy", ACCOUNT)).status).toBe(404); // nothing was created
    const quiet = await ryze("POST", "/api/instance/new", ACCOUNT, { name: "settings-only", autoRejectCalls: true, proxyEnabled: false });
    expect(quiet.status).toBe(200);
  });

  it("a logout while WhatsApp does not answer: 500 Failed to logout instance, the credentials kept", async () => {
    const { token, phone } = await linked("cut-off");
    expect((await api("POST", "/sandbox/whatsapp-web/faults", { kind: "silence", phone })).status).toBe(201);
    try {
      const r = await ryze("DELETE", "/api/instance/logout/cut-off", token);
      expect({ status: r.status, body: r.body }).toEqual({ status: 500, body: { success: false, error: { message: "Failed to logout instance" } } });
      expect(r.headers.get("x-switchboard-error")).toBe("LOGOUT_UNCONFIRMED");
      expect(storedSecretRows(dir, "cut-off")).toBeGreaterThan(0);
      const view = (await api("GET", "/v1/instances/cut-off")).body;
      expect(view.hasCredentials).toBe(true);
      expect(view.status.state).not.toBe("logged_out");
    } finally {
      await api("DELETE", "/sandbox/whatsapp-web/faults");
    }
  });

  it("create has its own budget of 20 a minute per token", async () => {
    const creator = (await api("POST", "/v1/tokens", { scope: "account", label: "creator" })).body.token as string;
    secrets.push(creator);
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push(await ryze("POST", "/api/instance/new", creator, { name: `made-${i}` }));
    expect(answers.slice(0, 20).map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect({ status: answers[20]!.status, body: answers[20]!.body }).toEqual({ status: 429, body: { success: false, error: { message: "Rate limit exceeded. Try again later." } } });
    expect((await ryze("GET", "/api/instance/status/made-0", creator)).status).toBe(200); // the other routes still have budget
  });

  it("the profile's own budget: 100 requests a minute per token; the 101st is 429 with Retry-After", async () => {
    await ryze("POST", "/api/instance/create", ACCOUNT, { name: "flooded" });
    const flooder = (await api("POST", "/v1/tokens", { scope: "account", label: "flood" })).body.token as string;
    secrets.push(flooder);
    const answers = await Promise.all(Array.from({ length: 100 }, () => ryze("GET", "/api/instance/status/flooded", flooder)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 100 }, () => 200));
    const over = await ryze("GET", "/api/instance/status/flooded", flooder);
    expect({ status: over.status, body: over.body }).toEqual({ status: 429, body: { success: false, error: { message: "Rate limit exceeded. Try again later." } } });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another token has its own budget.
    expect((await ryze("GET", "/api/instance/status/flooded", ACCOUNT)).status).toBe(200);
  });

  it("the two budgets are apart: the profile does not spend the gateway's, nor the gateway's the profile's", async () => {
    const small = mkdtempSync(join(tmpdir(), "sb-compat-ryze-budget-"));
    const gw = await startServer({ port: 0, dataDir: small, accountToken: ACCOUNT, logLevel: "silent", rateLimitPerMinute: 5, compat: { profiles: ["ryze"] } });
    try {
      const call = (path: string, token: Record<string, string>): Promise<number> => fetch(`${gw.url}${path}`, { headers: token }).then((r) => r.status);
      for (let i = 0; i < 10; i++) expect(await call("/api/instance/list", { token: ACCOUNT })).toBe(200);
      const v1 = [];
      for (let i = 0; i < 6; i++) v1.push(await call("/v1/instances", { authorization: `Bearer ${ACCOUNT}` }));
      expect(v1).toEqual([200, 200, 200, 200, 200, 429]);
      expect(await call("/api/instance/list", { token: ACCOUNT })).toBe(200);
    } finally {
      await gw.close();
      rmSync(small, { recursive: true, force: true });
    }
  });
});

describe("compat profile ryze: logs", () => {
  it("the gateway's own logs hold no token, QR or pairing code seen by the tests above", () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join("");
    for (const s of new Set(secrets)) expect(all.includes(s), `a secret in the logs (${s.slice(0, 6)}…)`).toBe(false);
  });
});
