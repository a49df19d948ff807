/**
 * The WhatsApp Web connector end to end: the real gateway (REST API, SQLite, vault, core) with the
 * pinned Baileys inside the connector, against the WhatsApp Web sandbox, whose phones scan QRs,
 * enter pairing codes, send messages and remove devices through its control API (issue 6,
 * "What must be shown" 1–5 and 7; 6 is in e2e-crash.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { memoryAuth, startClient } from "../../sandbox/whatsapp-web/helpers/baileys-client.js";
import { type Json, type WaHarness, poll, storedCreds, until, waHarness } from "./harness.js";

let sandbox: WhatsAppWebSandbox;
let h: WaHarness;
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox({ port: 0 });
  h = await waHarness({ useSandbox: sandbox });
});
afterAll(async () => {
  await h?.dispose();
  await sandbox?.close();
});

/** Events of `instance` of `type`, in order. */
function eventsOf(instance: string, type: string): Json[] {
  return h.events.filter((e) => e.instance === instance && e.type === type);
}

describe("whatsapp-web end to end against the sandbox", () => {
  it("1: QR login, an inbound message becomes message.received, the reply reaches the contact, close, restore without a QR", async () => {
    const phone = await h.phones.phone();
    await h.create("wa-one");
    const { qr, view } = await h.linkByQr("wa-one", phone.id);
    expect(qr).toMatch(/2@/);
    expect(view.status.self.id).toContain(phone.number);
    expect(eventsOf("wa-one", "instance.qr")[0]?.data).toMatchObject({ qr, attempt: 1 });
    expect(await h.phones.devices(phone.id)).toMatchObject([{ connected: true }]);

    // A contact of the phone's address book writes to the account.
    const contact = (await h.phones.call("POST", `/sandbox/phones/${phone.id}/contacts`, { name: "Alice" })).body;
    const inbound = await h.phones.call("POST", `/sandbox/phones/${phone.id}/contacts/${contact.id}/messages`, { text: "hello gateway" });
    expect(inbound.status).toBe(200);
    expect(inbound.body.deliveries).toMatchObject([{ status: "delivered" }]);
    const received = await until(() => eventsOf("wa-one", "message.received").find((e) => e.data.body === "hello gateway"), 5_000, "message.received");
    expect([contact.jid, contact.lidJid]).toContain(received.data.threadId);
    expect([contact.jid, contact.lidJid]).toContain(received.data.senderId);
    expect(received.data.messageId).toBe(inbound.body.id);
    expect(received.platform).toBe("whatsapp-web");

    // The reply, through the REST API, is recorded by the sandbox as decrypted for the contact.
    const sent = await h.api("POST", "/v1/instances/wa-one/messages", { threadId: received.data.threadId, body: "hi from the gateway" });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const recorded = await poll(
      async () => (await h.phones.call("GET", `/sandbox/phones/${phone.id}/sent`)).body.messages as Json[],
      (ms) => ms.some((m) => m.text === "hi from the gateway"),
    );
    expect(recorded.find((m) => m.text === "hi from the gateway")).toMatchObject({ id: sent.body.messageId, contactId: contact.id });
    expect(eventsOf("wa-one", "message.sent").map((e) => e.data.messageId)).toContain(sent.body.messageId);

    // close, then connect again from the stored credentials: connected, no QR on the way.
    const closed = await h.api("POST", "/v1/instances/wa-one/close", {});
    expect(closed.body.status).toMatchObject({ state: "stopped" });
    expect(await poll(() => h.phones.devices(phone.id), (d) => d[0]?.connected === false)).toMatchObject([{ connected: false }]);
    const qrsBefore = eventsOf("wa-one", "instance.qr").length;
    const statusesBefore = eventsOf("wa-one", "instance.status").length;
    const again = await h.api("POST", "/v1/instances/wa-one/connect", { wait: "connected", timeoutMs: 10_000 });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.status.state).toBe("connected");
    expect(eventsOf("wa-one", "instance.qr")).toHaveLength(qrsBefore);
    expect(eventsOf("wa-one", "instance.status").slice(statusesBefore).map((e) => e.data.status.state)).not.toContain("awaiting_login");
    expect(await h.phones.devices(phone.id)).toMatchObject([{ connected: true }]);
  }, 30_000);

  it("2: logout unlinks the device at the phone, leaves no secrets row, and the next connect shows a new QR", async () => {
    const phone = await h.phones.phone();
    const id = await h.create("wa-logout");
    const { qr } = await h.linkByQr("wa-logout", phone.id);
    expect(h.secretRows(id)).toBeGreaterThan(1); // the creds and Signal keys

    const out = await h.api("POST", "/v1/instances/wa-logout/logout", {});
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body).toMatchObject({ status: "logged_out", remote: "revoked", credentialsWiped: true });
    expect(await h.phones.devices(phone.id)).toEqual([]);
    expect(h.secretRows(id)).toBe(0);
    expect((await h.view("wa-logout")).status).toMatchObject({ state: "logged_out", reason: "user", remote: "revoked" });

    const c = await h.api("POST", "/v1/instances/wa-logout/connect", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const next = await h.api("GET", "/v1/instances/wa-logout/qr");
    expect(next.status).toBe(200);
    expect(next.body.qr).toMatch(/2@/);
    expect(next.body.qr).not.toBe(qr);
    await h.api("POST", "/v1/instances/wa-logout/close", {});
  }, 30_000);

  it("3: pairing code: the phone enters the code the gateway shows, and the instance connects", async () => {
    const phone = await h.phones.phone();
    await h.create("wa-code");
    const c = await h.api("POST", "/v1/instances/wa-code/connect", {
      login: { method: "pairing_code", phoneNumber: phone.number },
      wait: "awaiting_login",
      timeoutMs: 10_000,
    });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const waiting = await h.untilStatus("wa-code", (s) => s.state === "awaiting_login" && typeof s.code === "string");
    expect(waiting.status).toMatchObject({ method: "pairing_code", attempt: 1 });
    expect(waiting.status.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(eventsOf("wa-code", "instance.pairing_code").map((e) => e.data.code)).toContain(waiting.status.code);

    const entered = await h.phones.call("POST", `/sandbox/phones/${phone.id}/pairing-code`, { code: waiting.status.code });
    expect(entered.status, JSON.stringify(entered.body)).toBe(200);
    const connected = await h.untilStatus("wa-code", (s) => s.state === "connected");
    expect(connected.status.self.id).toContain(phone.number);
    expect(await h.phones.devices(phone.id)).toMatchObject([{ jid: entered.body.jid, connected: true }]);
    await h.api("POST", "/v1/instances/wa-code/close", {});
  }, 30_000);

  it("4: the phone removes the device → logged_out (remote), credentials and keys wiped, no reconnect", async () => {
    const phone = await h.phones.phone();
    const id = await h.create("wa-removed");
    await h.linkByQr("wa-removed", phone.id);
    const [device] = await h.phones.devices(phone.id);

    const removed = await h.phones.call("DELETE", `/sandbox/phones/${phone.id}/devices/${device!.device}`);
    expect(removed.body.removed).toMatchObject({ connected: true });
    const out = await h.untilStatus("wa-removed", (s) => s.state === "logged_out");
    expect(out.status).toMatchObject({ state: "logged_out", reason: "remote" });
    expect(out.hasCredentials).toBe(false);
    expect(h.secretRows(id)).toBe(0);
    expect(eventsOf("wa-removed", "instance.logged_out").at(-1)?.data).toMatchObject({ reason: "remote", credentialsWiped: true });
    expect(h.phones.loggedInTo(phone.number)).toBe(0);
  }, 30_000);

  it("5: another client takes the session (the stored creds in a bare Baileys client) → conflict, and no reconnect loop", async () => {
    const phone = await h.phones.phone();
    const id = await h.create("wa-conflict");
    await h.linkByQr("wa-conflict", phone.id);
    const connectionsOf = (): number => h.phones.loggedInTo(phone.number);
    expect(connectionsOf()).toBe(1);

    const other = startClient(sandbox.wsUrl, memoryAuth(storedCreds(h.dir, "wa-e2e-secret", id)));
    try {
      await other.waitFor((u) => u.connection === "open", 10_000);
      const out = await h.untilStatus("wa-conflict", (s) => s.state === "conflict");
      expect(out.status.state).toBe("conflict");
      // No reconnect: for ten times the backoff cap the only session of this device is the other client's.
      const statuses = eventsOf("wa-conflict", "instance.status").length;
      const watchUntil = Date.now() + 2_000;
      while (Date.now() < watchUntil) {
        expect(connectionsOf()).toBe(1);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(eventsOf("wa-conflict", "instance.status")).toHaveLength(statuses);
      expect((await h.view("wa-conflict")).status.state).toBe("conflict");
      expect(other.updates.filter((u) => u.connection === "close")).toEqual([]);
      expect(h.secretRows(id)).toBeGreaterThan(0); // a conflict keeps the credentials
    } finally {
      other.end();
    }
  }, 30_000);

  it("7: 20 instances connect at once, each linked by its own phone", async () => {
    const n = 20;
    const names = Array.from({ length: n }, (_, i) => `wa-many-${i}`);
    const phones = await Promise.all(names.map(() => h.phones.phone()));
    await Promise.all(names.map((name) => h.create(name)));
    const started = await Promise.all(
      names.map((name) => h.api("POST", `/v1/instances/${name}/connect`, { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 15_000 })),
    );
    expect(started.map((r) => r.status)).toEqual(names.map(() => 200));
    const qrs = await Promise.all(names.map(async (name) => (await h.api("GET", `/v1/instances/${name}/qr`)).body.qr as string));
    expect(new Set(qrs).size).toBe(n);
    await Promise.all(qrs.map((qr, i) => h.phones.scan(phones[i]!.id, qr)));
    const views = await Promise.all(names.map((name) => h.untilStatus(name, (s) => s.state === "connected", 40_000)));
    expect(views.map((v, i) => String(v.status.self.id).startsWith(phones[i]!.number))).toEqual(names.map(() => true));
    expect(sandbox.connections().filter((c) => phones.some((p) => c.loggedIn?.phone.number === p.number))).toHaveLength(n);
    await Promise.all(names.map((name) => h.api("POST", `/v1/instances/${name}/close`, {})));
  }, 60_000);
});
