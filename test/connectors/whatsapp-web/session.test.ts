/**
 * The WhatsApp Web session on its own, in process, against the real WhatsApp Web sandbox with the
 * real Baileys, over Switchboard's real encrypted store (SQLite + vault), with a recording stand-in
 * for the core's SessionHost. The full gateway flows are the e2e tests (e2e*.test.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WA_CERT_DETAILS } from "baileys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Credentials, InboundEvent, LoginStep, Session, SessionContext, SessionHost } from "../../../src/core/connector.js";
import { err } from "../../../src/core/errors.js";
import type { DisconnectKind } from "../../../src/core/status.js";
import { type WhatsAppWebSession, whatsappWebConnector } from "../../../src/connectors/whatsapp-web/index.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { vaultCredentialStore } from "../../../src/vault/credential-store.js";
import { Vault } from "../../../src/vault/vault.js";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { createInstanceRecord } from "../../support/records.js";

const WHATSAPP_ROOT = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
type Json = Record<string, unknown>;

let sandbox: WhatsAppWebSandbox;
let store: Store;
let dir: string;
const vault = new Vault(randomBytes(32));
const sessions: Session[] = [];

beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox();
  dir = mkdtempSync(join(tmpdir(), "sb-wa-session-"));
  store = await openStore({ dataDir: dir });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});
afterAll(async () => {
  WA_CERT_DETAILS.PUBLIC_KEY = WHATSAPP_ROOT;
  await sandbox?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(sandbox.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function until<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One instance: its record, its encrypted credentials and keys, and what its sessions reported. */
class Instance implements SessionHost {
  steps: LoginStep[] = [];
  connectedAs: string | null = null;
  disconnects: { kind: DisconnectKind; error: { code: string; message: string } }[] = [];
  events: InboundEvent[] = [];
  /** Makes every later key write fail (a store that went down). */
  failKeyWrites = false;
  constructor(
    readonly id: string,
    readonly creds = vaultCredentialStore(store.secrets, vault),
  ) {}
  static async create(): Promise<Instance> {
    return new Instance((await createInstanceRecord(store, { platform: "whatsapp-web" })).id);
  }
  loginStep(step: LoginStep): void {
    this.steps.push(step);
  }
  connected({ self }: { self: { id: string } }): void {
    this.connectedAs = self.id;
  }
  disconnected(d: { kind: DisconnectKind; error: { code: string; message: string } }): void {
    this.disconnects.push(d);
  }
  saveCredentials(c: Credentials): Promise<void> {
    return this.creds.put(this.id, c);
  }
  async sentMessage(): Promise<null> {
    return null;
  }
  async storedMessage(): Promise<null> {
    return null;
  }
  async receive(batch: { events: readonly InboundEvent[] }): Promise<void> {
    this.events.push(...batch.events);
  }
  async open(over: Partial<SessionContext> = {}, config: Json = {}, options: { announceQrTimeoutTo?: string } = {}): Promise<WhatsAppWebSession> {
    const connector = whatsappWebConnector({ trustRootPublicKey: sandbox.rootPublicKey, fetchLatestVersion: false, baileysLogLevel: "silent", ...options });
    const ctx: SessionContext = {
      instance: { id: this.id, name: "wa", platform: "whatsapp-web" },
      config: { websocketUrl: sandbox.wsUrl, ...config },
      credentials: await this.creds.get(this.id),
      login: null,
      state: {},
      webhookUrl: null,
      keys: {
        get: (names) => this.creds.getKeys(this.id, names),
        set: async (entries) => {
          if (this.failKeyWrites) throw err("STORAGE_FAILED", { message: "disk full" });
          await this.creds.putKeys(this.id, entries);
        },
      },
      host: this,
      logger: quiet,
      net: { agentFor: () => undefined, proxyOptions: () => undefined },
      ...over,
    };
    const s = connector.connect(ctx) as WhatsAppWebSession;
    sessions.push(s);
    return s;
  }
}

async function newPhone(number?: string): Promise<string> {
  return (await call("POST", "/sandbox/phones", number ? { number } : {})).json.id as string;
}

/** QR login of `inst` to `phoneId`; resolves once linked and restarted from the stored creds. */
async function linkByQr(inst: Instance, phoneId: string, config: Json = {}): Promise<WhatsAppWebSession> {
  await inst.open({}, config);
  const step = await until("a QR", () => inst.steps.find((s) => s.method === "qr"));
  expect((await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr: step.qr })).status).toBe(200);
  await until("the 515 restart", () => inst.disconnects.length > 0);
  expect(inst.disconnects).toEqual([{ kind: "restart_required", error: expect.objectContaining({ message: expect.stringContaining("515") }) }]);
  inst.disconnects = [];
  const s = await inst.open({}, config);
  await until("connected", () => inst.connectedAs ?? undefined);
  return s;
}

const logoutCtx = (inst: Instance, session: Session | null, credentials: Credentials | null, ms = 5_000) => ({
  instance: { id: inst.id, name: "wa", platform: "whatsapp-web" },
  config: { websocketUrl: sandbox.wsUrl },
  credentials,
  session,
  signal: AbortSignal.timeout(ms),
  logger: quiet,
  net: { agentFor: () => undefined, proxyOptions: () => undefined },
});

describe("whatsapp-web session against the sandbox", () => {
  it("QR → scan → 515 → restored from the store without a QR → inbound event → send → logout awaits the unlink", async () => {
    const phoneId = await newPhone("15550007001");
    const inst = await Instance.create();
    const t0 = Date.now();
    const session = await linkByQr(inst, phoneId);
    expect(inst.steps).toHaveLength(1); // the restart logged in from the stored creds: no second QR
    expect(inst.steps[0]).toMatchObject({ method: "qr", attempt: 1 });
    expect(inst.steps[0]!.expiresAt! - t0).toBeGreaterThan(55_000);
    expect(inst.connectedAs).toBe("15550007001@s.whatsapp.net");
    const stored = (await inst.creds.get(inst.id)) as { creds: { me: { id: string }; account: unknown } };
    expect(stored.creds.me.id).toMatch(/^15550007001:\d+@s\.whatsapp\.net$/);
    expect(stored.creds.account).toBeTruthy();

    // Inbound: stored through host.receive with the normalised fields.
    const contact = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, { number: "16660007002", name: "Ada" })).json;
    const inbound = (await call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages`, { text: "hello gateway" })).json;
    const found = await until("message.received", () => inst.events.find((e) => e.type === "message.received" && e.data.messageId === inbound.id));
    if (found.type !== "message.received") throw new Error("not a received message");
    const ev = found;
    expect(ev.data).toMatchObject({ body: "hello gateway", messageId: inbound.id });
    expect([contact.jid, contact.lidJid]).toContain(ev.data.threadId);
    expect([contact.jid, contact.lidJid]).toContain(ev.data.senderId);
    expect(Math.abs(ev.data.timestamp - Date.now())).toBeLessThan(60_000);
    expect(ev.id).toBe(`wa:15550007001@s.whatsapp.net:${ev.data.threadId}:${ev.data.senderId}:${inbound.id as string}`);

    // Send: the sandbox decrypts and records it.
    const sent = await session.send({ threadId: "16660007002", content: { type: "text", text: "hi Ada" } });
    expect(sent.threadId).toBe("16660007002@s.whatsapp.net");
    const record = await until("the sent record", async () => {
      const list = (await call("GET", `/sandbox/phones/${phoneId}/sent`)).json.messages as Json[];
      return list.find((m) => m.id === sent.messageId);
    });
    expect(record).toMatchObject({ text: "hi Ada", to: "16660007002@s.whatsapp.net" });
    // The contact's phone reads it: the receipts become message.status events of that message.
    await call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages/${sent.messageId}/read`);
    const read = await until("message.status read", () =>
      inst.events.find((e) => e.type === "message.status" && e.data.messageId === sent.messageId && e.data.status === "read"),
    );
    expect(read.id).toMatch(new RegExp(`^wa-status:.*:${sent.messageId}:read$`));
    await expect(session.send({ threadId: "not a jid", content: { type: "text", text: "x" } })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });

    // Logout through the live socket: revoked once the server answered; the phone lists no device.
    const creds = await inst.creds.get(inst.id);
    expect(await whatsappWebConnector({ fetchLatestVersion: false, baileysLogLevel: "silent" }).logoutRemote(logoutCtx(inst, session, creds))).toBe("revoked");
    expect((await call("GET", `/sandbox/phones/${phoneId}/devices`)).json.devices).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(inst.disconnects).toEqual([]); // the close belongs to the logout, not reported
    await expect(session.send({ threadId: "16660007002", content: { type: "text", text: "x" } })).rejects.toMatchObject({ code: "INVALID_STATE" });

    // The same (now dead) creds without a session: a short-lived socket is refused (401) → already_revoked.
    expect(await whatsappWebConnector({ fetchLatestVersion: false, baileysLogLevel: "silent" }).logoutRemote(logoutCtx(inst, null, creds))).toBe("already_revoked");
  }, 30_000);

  it("logout without a live session opens a short-lived socket from the creds and awaits the unlink", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    const session = await linkByQr(inst, phoneId);
    await session.close();
    expect((await call("GET", `/sandbox/phones/${phoneId}/devices`)).json.devices).toHaveLength(1);
    const creds = await inst.creds.get(inst.id);
    expect(await whatsappWebConnector({ fetchLatestVersion: false, baileysLogLevel: "silent" }).logoutRemote(logoutCtx(inst, null, creds))).toBe("revoked");
    expect((await call("GET", `/sandbox/phones/${phoneId}/devices`)).json.devices).toEqual([]);
    expect(inst.disconnects).toEqual([]);
  }, 30_000);

  it("an unreachable server fails the logout with PLATFORM_UNREACHABLE (the core then keeps the creds)", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    const session = await linkByQr(inst, phoneId);
    await session.close();
    const creds = await inst.creds.get(inst.id);
    const ctx = { ...logoutCtx(inst, null, creds, 1_500), config: { websocketUrl: "ws://127.0.0.1:9/ws/chat" } };
    await expect(whatsappWebConnector({ fetchLatestVersion: false, baileysLogLevel: "silent" }).logoutRemote(ctx)).rejects.toMatchObject({ code: "PLATFORM_UNREACHABLE" });
  }, 30_000);

  it("pairing code: the code is a login step, the phone enters it, the device links", async () => {
    const phoneId = await newPhone("15550007011");
    const inst = await Instance.create();
    await inst.open({ login: { method: "pairing_code", input: { phoneNumber: "15550007011" } } });
    const step = await until("a pairing code", () => inst.steps.find((s) => s.method === "pairing_code"));
    expect(step.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(inst.steps.some((s) => s.method === "qr")).toBe(false);
    expect(await inst.creds.get(inst.id)).toBeNull(); // nothing restorable before the link
    expect((await call("POST", `/sandbox/phones/${phoneId}/pairing-code`, { code: step.code })).status).toBe(200);
    await until("the 515 restart", () => inst.disconnects[0]?.kind === "restart_required");
    inst.disconnects = [];
    await inst.open();
    expect(await until("connected", () => inst.connectedAs)).toBe("15550007011@s.whatsapp.net");
  }, 30_000);

  it("qrTimeoutMs: each QR shows that long; announced in the URL, the sandbox follows and the second QR scans (not announced: refused)", async () => {
    const phoneId = await newPhone();
    const config = { qrTimeoutMs: 2_000 };
    const announced = await Instance.create();
    const silent = await Instance.create();
    await Promise.all([announced.open({}, config, { announceQrTimeoutTo: sandbox.wsUrl }), silent.open({}, config)]);
    const second = (inst: Instance) => until("the second QR", () => inst.steps.find((s) => s.method === "qr" && s.attempt === 2), 15_000);
    const [a2, s2] = await Promise.all([second(announced), second(silent)]);
    // The login step's expiry follows the configured lifetime (set when Baileys showed it).
    expect(a2.expiresAt).toBeLessThanOrEqual(Date.now() + 2_000);
    // The sandbox without the announcement still shows its first ref (60 s): the client's second is "not yet shown".
    const refused = await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr: s2.qr });
    expect([refused.status, (refused.json.error as Json | undefined)?.code]).toEqual([409, "qr_not_shown_yet"]);
    expect((await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr: a2.qr })).status).toBe(200);
    await until("the 515 restart", () => announced.disconnects[0]?.kind === "restart_required");
  }, 30_000);

  it("the phone removes the device → logged_out", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    await linkByQr(inst, phoneId);
    const [device] = (await call("GET", `/sandbox/phones/${phoneId}/devices`)).json.devices as Json[];
    expect((await call("DELETE", `/sandbox/phones/${phoneId}/devices/${String(device!.device ?? 1)}`)).status).toBe(200);
    await until("disconnected", () => inst.disconnects.length > 0);
    expect(inst.disconnects).toEqual([{ kind: "logged_out", error: expect.objectContaining({ message: expect.stringContaining("401 conflict/device_removed") }) }]);
  }, 30_000);

  it("another client with the same creds → conflict on the first, reported once", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    await linkByQr(inst, phoneId);
    const other = await Instance.create();
    // A second session from the same stored creds (another process holding a copy).
    await other.open({ credentials: await inst.creds.get(inst.id), keys: { get: async () => new Map(), set: async () => {} } });
    await until("conflict", () => inst.disconnects.length > 0);
    expect(inst.disconnects).toEqual([{ kind: "conflict", error: expect.objectContaining({ message: expect.stringContaining("440") }) }]);
  }, 30_000);

  it("watchdog: a silent server ends the session as transient after one keepalive interval + 5 s, never a zombie connected", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    await linkByQr(inst, phoneId, { keepAliveIntervalMs: 1_000 });
    expect((await call("POST", "/sandbox/faults", { kind: "silence", phone: phoneId })).status).toBe(201);
    try {
      await until("the watchdog", () => inst.disconnects.length > 0, 15_000);
      expect(inst.disconnects).toEqual([{ kind: "transient", error: expect.objectContaining({ message: expect.stringContaining("lost") }) }]);
    } finally {
      await call("DELETE", "/sandbox/faults");
    }
  }, 30_000);

  it("a key write that fails ends the session as transient STORAGE_FAILED", async () => {
    const phoneId = await newPhone();
    const inst = await Instance.create();
    await linkByQr(inst, phoneId);
    await sessions.pop()!.close();
    inst.connectedAs = null;
    inst.failKeyWrites = true;
    await inst.open();
    // A login may already write keys (pre-key upload); if it did not, a message from a new contact
    // certainly does (its Signal session is stored).
    await until("connected or disconnected", () => inst.connectedAs !== null || inst.disconnects.length > 0);
    if (inst.disconnects.length === 0) {
      const contact = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, { number: "16660007099", name: "Key" })).json;
      await call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages`, { text: "needs a session" });
    }
    await until("disconnected", () => inst.disconnects.length > 0);
    expect(inst.disconnects).toEqual([{ kind: "transient", error: expect.objectContaining({ code: "STORAGE_FAILED" }) }]);
  }, 30_000);
});
