/**
 * Fault injection with the real Baileys client: a dropped connection is a plain close (not logged
 * out) and the client reconnects from its credentials; a silent server is detected by Baileys'
 * keepalive; a delay holds every answer back.
 */
import { DisconnectReason, type UserFacingSocketConfig } from "baileys";
import { describe, expect, it } from "vitest";
import { startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { faultsOf } from "../../../sandbox/whatsapp-web/faults.js";
import { type MemoryAuth, type TestClient, memoryAuth, startClient } from "./helpers/baileys-client.js";
import { statusOf, useSandbox } from "./helpers/sandbox.js";

const fx = useSandbox();
const { call } = fx;

/** A phone and a client linked to it by QR (after the 515 restart: connected). */
async function linked(number: string, config: Partial<UserFacingSocketConfig> = {}): Promise<{ phoneId: string; auth: MemoryAuth; client: TestClient }> {
  const phone = fx.sandbox.createPhone({ number });
  const auth = memoryAuth();
  const first = startClient(fx.sandbox.wsUrl, auth);
  const { qr } = await first.waitFor((u) => typeof u.qr === "string");
  await fx.sandbox.scan(phone.id, qr!);
  await first.waitFor((u) => u.connection === "close");
  const client = startClient(fx.sandbox.wsUrl, auth, config);
  await client.waitFor((u) => u.connection === "open", 10_000);
  return { phoneId: phone.id, auth, client };
}

async function pingMs(client: TestClient): Promise<number> {
  const started = Date.now();
  await client.sock.query({ tag: "iq", attrs: { to: "s.whatsapp.net", type: "get", xmlns: "w:p" }, content: [{ tag: "ping", attrs: {} }] });
  return Date.now() - started;
}

describe("faults with the real Baileys client", () => {
  it("drop: the client sees a plain close (not logged out) and reconnects from its credentials", async () => {
    const { phoneId, auth, client } = await linked("15550004444");
    const listed = await call("GET", "/sandbox/connections");
    expect(listed.json.connections).toEqual([expect.objectContaining({ state: "logged-in", phone: phoneId, device: 1 })]);

    const dropped = await call("POST", "/sandbox/faults", { kind: "drop", phone: phoneId });
    expect(dropped).toEqual({ status: 200, json: { dropped: 1 } });
    const closed = await client.waitFor((u) => u.connection === "close");
    expect(statusOf(closed)).toBe(DisconnectReason.connectionClosed);
    expect((await call("GET", "/sandbox/faults")).json.faults).toEqual([]); // a drop is not kept

    const again = startClient(fx.sandbox.wsUrl, auth);
    try {
      await again.waitFor((u) => u.connection === "open", 10_000);
      expect(again.updates.some((u) => u.qr)).toBe(false);
      expect(fx.sandbox.phone(phoneId).devices).toHaveLength(1);
    } finally {
      again.end();
    }
  }, 20_000);

  it("silence: Baileys' keepalive notices and closes with connectionLost; cleared, it reconnects", async () => {
    const { phoneId, auth, client } = await linked("15550005555", { keepAliveIntervalMs: 300 });
    try {
      const rule = await call("POST", "/sandbox/faults", { kind: "silence", phone: phoneId });
      expect(rule.status).toBe(201);
      expect(rule.json).toMatchObject({ kind: "silence", phone: phoneId });
      const started = Date.now();
      const closed = await client.waitFor((u) => u.connection === "close", 10_000);
      expect(statusOf(closed)).toBe(DisconnectReason.connectionLost);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5_000); // keepAliveIntervalMs + 5 s without a byte
    } finally {
      client.end();
    }
    expect(await call("DELETE", "/sandbox/faults")).toEqual({ status: 200, json: { cleared: 1 } });
    const again = startClient(fx.sandbox.wsUrl, auth);
    try {
      await again.waitFor((u) => u.connection === "open", 10_000);
    } finally {
      again.end();
    }
  }, 25_000);

  it("delay: answers arrive ms later; cleared, at once", async () => {
    const { client } = await linked("15550006666");
    try {
      const connection = ((await call("GET", "/sandbox/connections")).json.connections as { id: number; phone?: string }[]).find((c) => c.phone)!;
      const rule = await call("POST", "/sandbox/faults", { kind: "delay", connection: connection.id, ms: 400 });
      expect(rule.status).toBe(201);
      const [a, b] = await Promise.all([pingMs(client), pingMs(client)]);
      expect(a).toBeGreaterThanOrEqual(390);
      expect(b).toBeGreaterThanOrEqual(390);
      expect((await call("DELETE", `/sandbox/faults/${rule.json.id as string}`)).json).toEqual({ cleared: 1 });
      expect(await pingMs(client)).toBeLessThan(300);
    } finally {
      client.end();
    }
  }, 20_000);

  it("refuses malformed faults", async () => {
    expect((await call("POST", "/sandbox/faults", { kind: "explode" })).json.error).toMatchObject({ code: "bad_fault" });
    expect((await call("POST", "/sandbox/faults", { kind: "delay" })).status).toBe(400);
    expect((await call("POST", "/sandbox/faults", { kind: "silence", device: 1 })).status).toBe(400);
    expect((await call("POST", "/sandbox/faults", { kind: "silence", phone: "phone-999" })).status).toBe(404);
    expect((await call("DELETE", "/sandbox/faults/fault-999")).status).toBe(404);
    expect((await call("GET", "/sandbox/faults")).json.faults).toEqual([]);
  });
});

describe("waits that end with the connection or the sandbox", () => {
  it("an inbound message answers as soon as the silenced client's connection is dropped, not after 10 s", async () => {
    const { phoneId, client } = await linked("15550004488");
    try {
      const contact = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, { number: "16660004488" })).json;
      await call("POST", "/sandbox/faults", { kind: "silence", phone: phoneId });
      const started = Date.now();
      const sending = call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages`, { text: "hello?" });
      await new Promise((r) => setTimeout(r, 200));
      await call("POST", "/sandbox/faults", { kind: "drop", phone: phoneId });
      const sent = await sending;
      expect(sent.status).toBe(200);
      expect(sent.json.deliveries).toEqual([expect.objectContaining({ status: "timeout" })]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await call("DELETE", "/sandbox/faults");
      client.end();
    }
  });

  it("a pairing code entry answers 504 as soon as the companion disconnects, not after 10 s", async () => {
    const phone = fx.sandbox.createPhone({ number: "15550004499" });
    const client = startClient(fx.sandbox.wsUrl, memoryAuth());
    try {
      await client.waitFor((u) => typeof u.qr === "string");
      const code = await client.sock.requestPairingCode(phone.number);
      // The companion never sees primary_hello (silence), then its connection drops.
      const conn = ((await call("GET", "/sandbox/connections")).json.connections as { id: number; state: string }[]).at(-1)!;
      await call("POST", "/sandbox/faults", { kind: "silence", connection: conn.id });
      const started = Date.now();
      const entering = call("POST", `/sandbox/phones/${phone.id}/pairing-code`, { code });
      await new Promise((r) => setTimeout(r, 500));
      await call("POST", "/sandbox/faults", { kind: "drop", connection: conn.id });
      const entered = await entering;
      expect(entered.status).toBe(504);
      expect((entered.json.error as { code: string }).code).toBe("pairing_code_timeout");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await call("DELETE", "/sandbox/faults");
      client.end();
    }
  });

  it("close() clears the timers of writes a delay fault holds back", async () => {
    const own = await startWhatsAppWebSandbox();
    const client = startClient(own.wsUrl, memoryAuth());
    try {
      const res = await fetch(`${own.url}/sandbox/faults`, { method: "POST", body: JSON.stringify({ kind: "delay", ms: 600_000 }) });
      expect(res.status).toBe(201);
      await expect.poll(() => faultsOf(own.state).heldBack).toBeGreaterThan(0); // the server hello waits
    } finally {
      client.end();
      await own.close();
    }
    expect(faultsOf(own.state).heldBack).toBe(0);
  });
});
