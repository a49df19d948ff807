/**
 * Linked devices with the real Baileys client: reconnect from saved credentials, logout, removal by
 * the phone (401 device_removed), replacement by a second socket (440), and the phone's device list.
 */
import { type BinaryNode, DisconnectReason, S_WHATSAPP_NET } from "baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import type { DeviceInfo } from "../../../sandbox/whatsapp-web/devices.js";
import { type MemoryAuth, type TestClient, memoryAuth, restoreWhatsAppRoot, startClient, trustSandboxRoot } from "./helpers/baileys-client.js";

let sandbox: WhatsAppWebSandbox;
const clients: TestClient[] = [];
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox();
  trustSandboxRoot(sandbox.rootPublicKey);
});
afterAll(async () => {
  for (const c of clients) c.end();
  restoreWhatsAppRoot();
  await sandbox?.close();
});

function client(auth: MemoryAuth): TestClient {
  const c = startClient(sandbox.wsUrl, auth);
  clients.push(c);
  return c;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(sandbox.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function devices(phoneId: string): Promise<DeviceInfo[]> {
  const res = await call("GET", `/sandbox/phones/${phoneId}/devices`);
  expect(res.status).toBe(200);
  return res.json.devices as DeviceInfo[];
}

/** Polls `read` until `pred` holds (the sandbox handles stanzas asynchronously). */
async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (pred(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function statusOf(u: { lastDisconnect?: { error?: Error | undefined } | undefined }): number | undefined {
  return (u.lastDisconnect?.error as { output?: { statusCode: number } } | undefined)?.output?.statusCode;
}

function dataOf(u: { lastDisconnect?: { error?: Error | undefined } | undefined }): BinaryNode | undefined {
  return (u.lastDisconnect?.error as { data?: BinaryNode } | undefined)?.data;
}

/** A fresh phone links a fresh client by QR (through 515); returns the saved credentials. */
async function linked(): Promise<{ phoneId: string; auth: MemoryAuth; jid: string }> {
  const phone = await call("POST", "/sandbox/phones", {});
  const phoneId = phone.json.id as string;
  const auth = memoryAuth();
  const first = client(auth);
  const { qr } = await first.waitFor((u) => typeof u.qr === "string");
  const scan = await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr });
  expect(scan.status).toBe(200);
  expect(statusOf(await first.waitFor((u) => u.connection === "close"))).toBe(DisconnectReason.restartRequired);
  return { phoneId, auth, jid: scan.json.jid as string };
}

/** Logs in from saved credentials and waits for the open connection. */
async function connected(auth: MemoryAuth): Promise<TestClient> {
  const c = client(auth);
  await c.waitFor((u) => u.connection === "open");
  return c;
}

describe("linked devices with the real Baileys client", () => {
  it("reconnects from saved credentials without a QR, and the phone lists the device", async () => {
    const { phoneId, auth, jid } = await linked();
    const [before] = await devices(phoneId);
    expect(before).toMatchObject({ device: 1, jid, platform: "1", name: "Mac OS", platformType: "CHROME", lastSeen: null, connected: false });

    const one = await connected(auth);
    expect((await devices(phoneId))[0]).toMatchObject({ jid, connected: true });
    one.end();
    const after = await until(() => devices(phoneId), (d) => d[0]?.connected === false);
    expect(after[0]!.lastSeen).toEqual(expect.any(Number));

    // Later, from the same saved credentials: connected again, never a QR.
    const two = await connected(auth);
    expect([...one.updates, ...two.updates].some((u) => u.qr)).toBe(false);
    expect((await devices(phoneId)).map((d) => [d.jid, d.connected])).toEqual([[jid, true]]);
    two.end();
  });

  it("logout: the device disappears from the phone and its credentials are refused afterwards", async () => {
    const { phoneId, auth } = await linked();
    const c = await connected(auth);
    await c.sock.logout(); // sends remove-companion-device and ends the socket with loggedOut itself
    const closed = await c.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.loggedOut);
    expect(await until(() => devices(phoneId), (d) => d.length === 0)).toEqual([]);

    const again = client(auth);
    expect(statusOf(await again.waitFor((u) => u.connection === "close"))).toBe(DisconnectReason.loggedOut);
    expect(again.updates.some((u) => u.qr || u.connection === "open")).toBe(false);
  });

  it("answers remove-companion-device with a result before the session ends with device_removed", async () => {
    const { phoneId, auth } = await linked();
    const c = await connected(auth);
    // The exact IQ of sock.logout(), sent with query() so that the client waits for the answer.
    const answer = await c.sock.query({
      tag: "iq",
      attrs: { to: S_WHATSAPP_NET, type: "set", xmlns: "md" },
      content: [{ tag: "remove-companion-device", attrs: { jid: auth.creds.me!.id, reason: "user_initiated" } }],
    });
    expect(answer.attrs.type).toBe("result");
    const closed = await c.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.loggedOut);
    expect(dataOf(closed)).toMatchObject({ tag: "conflict", attrs: { type: "device_removed" } });
    expect(await devices(phoneId)).toEqual([]);
  });

  it("refuses to remove another device of the account (403)", async () => {
    const { auth, jid } = await linked();
    const c = await connected(auth);
    const other = jid.replace(/:\d+@/, ":9@");
    const error = await c.sock
      .query({ tag: "iq", attrs: { to: S_WHATSAPP_NET, type: "set", xmlns: "md" }, content: [{ tag: "remove-companion-device", attrs: { jid: other, reason: "user_initiated" } }] })
      .catch((e: unknown) => e);
    expect((error as { data?: unknown }).data).toBe(403);
    c.end();
  });

  it("the phone removes the device: 401 device_removed, then the credentials are refused", async () => {
    const { phoneId, auth, jid } = await linked();
    const c = await connected(auth);
    const removed = await call("DELETE", `/sandbox/phones/${phoneId}/devices/${encodeURIComponent(jid)}`);
    expect(removed.status).toBe(200);
    expect(removed.json.removed).toMatchObject({ jid, connected: true });

    const closed = await c.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.loggedOut);
    expect(dataOf(closed)).toMatchObject({ tag: "conflict", attrs: { type: "device_removed" } });
    expect(await devices(phoneId)).toEqual([]);

    const again = client(auth);
    expect(statusOf(await again.waitFor((u) => u.connection === "close"))).toBe(DisconnectReason.loggedOut);

    const missing = await call("DELETE", `/sandbox/phones/${phoneId}/devices/1`);
    expect(missing.status).toBe(404);
    expect((missing.json.error as { code: string }).code).toBe("device_not_found");
  });

  it("a second client with the same credentials replaces the first (440), and stays connected", async () => {
    const { phoneId, auth } = await linked();
    const first = await connected(auth);
    const second = await connected(auth);
    const closed = await first.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.connectionReplaced);
    expect(dataOf(closed)).toMatchObject({ tag: "conflict", attrs: { type: "replaced" } });

    // The second one is still open: a round trip to the sandbox works, and it is the device's one session.
    await new Promise((r) => setTimeout(r, 100));
    expect(second.updates.some((u) => u.connection === "close")).toBe(false);
    await expect(second.sock.query({ tag: "iq", attrs: { to: S_WHATSAPP_NET, type: "get", xmlns: "w:p" }, content: [{ tag: "ping", attrs: {} }] })).resolves.toBeDefined();
    expect(sandbox.connections().filter((c) => c.loggedIn?.phone.id === phoneId)).toHaveLength(1);
    expect((await devices(phoneId))[0]).toMatchObject({ connected: true });
    second.end();
  });

  it("answers 404 for the device list of an unknown phone", async () => {
    const res = await call("GET", "/sandbox/phones/phone-404/devices");
    expect(res.status).toBe(404);
    expect((res.json.error as { code: string }).code).toBe("phone_not_found");
  });
});
