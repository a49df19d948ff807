/**
 * Keys and messages, end to end with the real Baileys client (issue 5, item 3): a linked client
 * uploads its prekeys, receives and decrypts texts from a sandbox contact, sends texts the sandbox
 * decrypts and records, and delivery and read receipts go both ways; the second message each way
 * runs on the established sessions.
 */
import { type WAMessage, type WAMessageUpdate, getNextPreKeysNode, initAuthCreds } from "baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { MAX_RECORDED_MESSAGES, messagingOf } from "../../../sandbox/whatsapp-web/messaging.js";
import { type TestClient, memoryAuth, restoreWhatsAppRoot, startClient, trustSandboxRoot } from "./helpers/baileys-client.js";

let sandbox: WhatsAppWebSandbox;
let client: TestClient | undefined;
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox();
  trustSandboxRoot(sandbox.rootPublicKey);
});
afterAll(async () => {
  client?.end();
  restoreWhatsAppRoot();
  await sandbox?.close();
});

type Json = Record<string, unknown>;
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(sandbox.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Links a fresh client to `phoneId` by QR and returns it connected from its saved credentials. */
async function linkedClient(phoneId: string): Promise<TestClient> {
  const auth = memoryAuth();
  const first = startClient(sandbox.wsUrl, auth);
  const { qr } = await first.waitFor((u) => typeof u.qr === "string");
  expect((await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr })).status).toBe(200);
  await first.waitFor((u) => u.connection === "close");
  const second = startClient(sandbox.wsUrl, auth);
  await second.waitFor((u) => u.connection === "open", 10_000);
  return second;
}

describe("messages between a linked Baileys client and a sandbox contact", () => {
  it("delivers inbound texts the client decrypts, decrypts what the client sends, and passes receipts both ways", async () => {
    const phone = await call("POST", "/sandbox/phones", { number: "15550002222" });
    const phoneId = phone.json.id as string;
    const contact = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, { number: "16660003333", name: "Ada" })).json;
    expect(contact).toMatchObject({ jid: "16660003333@s.whatsapp.net", name: "Ada" });
    expect(contact.lidJid).toMatch(/^\d+@lid$/);

    client = await linkedClient(phoneId);
    const sock = client.sock;
    const upserts: WAMessage[] = [];
    const updates: WAMessageUpdate[] = [];
    sock.ev.on("messages.upsert", ({ messages }) => upserts.push(...messages));
    sock.ev.on("messages.update", (u) => updates.push(...u));
    // The status Baileys reports for message `id`: a messages.update, or (when the receipt came while
    // the own upsert was still buffered) the status merged into that upsert.
    const statusOf = (id: string) =>
      Math.max(0, ...updates.filter((u) => u.key.id === id).map((u) => u.update.status ?? 0), ...upserts.filter((m) => m.key.id === id).map((m) => m.status ?? 0));

    // The client uploads its prekeys after <success>; the sandbox keeps them per device.
    const conn = await until("a logged-in connection", () => sandbox.connections().find((c) => c.loggedIn));
    await until("the prekey upload", () => conn.received.some((n) => n.tag === "iq" && n.attrs.xmlns === "encrypt" && n.attrs.type === "set"));
    const count = await sock.query({ tag: "iq", attrs: { to: "s.whatsapp.net", type: "get", xmlns: "encrypt" }, content: [{ tag: "count", attrs: {} }] });
    expect(Number((count.content as { attrs: { value: string } }[])[0]!.attrs.value)).toBeGreaterThan(5);

    // Inbound 1: a pkmsg built from the bundle the client uploaded.
    const inbound1 = await call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages`, { text: "hello from Ada" });
    expect(inbound1.status).toBe(200);
    expect(inbound1.json.deliveries).toEqual([{ device: sock.user!.id, status: "delivered", detail: "inactive" }]);
    const got1 = await until("messages.upsert 1", () => upserts.find((m) => m.key.id === inbound1.json.id));
    expect(got1.message?.conversation).toBe("hello from Ada");
    expect(got1.key.fromMe).toBe(false);
    expect(got1.pushName).toBe("Ada");

    // Outbound 1: usync + key fetch, then the sandbox decrypts the copies for the contact and the own phone.
    const sent1 = await sock.sendMessage(contact.jid as string, { text: "hi Ada" });
    const record1 = await until("the sent record", async () => {
      const list = (await call("GET", `/sandbox/phones/${phoneId}/sent`)).json.messages as Json[];
      return list.find((m) => m.id === sent1!.key.id);
    });
    expect(record1).toMatchObject({ text: "hi Ada", to: contact.jid, from: sock.user!.id, contactId: contact.id });
    const copies1 = record1.copies as Json[];
    expect(copies1).toContainEqual({ device: contact.jid, type: "pkmsg", ok: true });
    expect(copies1).toContainEqual({ device: "15550002222@s.whatsapp.net", type: "pkmsg", ok: true, deviceSent: true });
    // Server delivery receipt from the contact → status DELIVERY_ACK (3); read on request → READ (4).
    await until("delivery status", () => statusOf(sent1!.key.id!) >= 3);
    const read = await call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages/${sent1!.key.id!}/read`);
    expect(read.status).toBe(200);
    await until("read status", () => statusOf(sent1!.key.id!) === 4);

    // The client reads the inbound message: a read receipt reaches the sandbox.
    await sock.readMessages([got1.key]);
    await until("the client's read receipt", async () => {
      const list = (await call("GET", `/sandbox/phones/${phoneId}/inbound`)).json.messages as Json[];
      const receipts = list.find((m) => m.id === inbound1.json.id)?.receipts as Json[] | undefined;
      return receipts?.some((r) => r.type === "read");
    });

    // Second message each way: established sessions (msg, no key fetch).
    const inbound2 = await call("POST", `/sandbox/phones/${phoneId}/contacts/16660003333/messages`, { text: "second from Ada" });
    expect((inbound2.json.deliveries as Json[])[0]?.status).toBe("delivered");
    const got2 = await until("messages.upsert 2", () => upserts.find((m) => m.key.id === inbound2.json.id));
    expect(got2.message?.conversation).toBe("second from Ada");

    const fetchesBefore = conn.received.filter((n) => n.tag === "iq" && n.attrs.xmlns === "encrypt" && n.attrs.type === "get").length;
    const sent2 = await sock.sendMessage(contact.jid as string, { text: "second to Ada" });
    const history = await until("both sent records", async () => {
      const h = (await call("GET", `/sandbox/phones/${phoneId}/contacts/${contact.id as string}/messages`)).json;
      return (h.sent as Json[]).some((m) => m.id === sent2!.key.id) ? h : undefined;
    });
    const record2 = (history.sent as Json[]).find((m) => m.id === sent2!.key.id)!;
    expect(record2.text).toBe("second to Ada");
    expect(record2.copies as Json[]).toContainEqual({ device: contact.jid, type: "msg", ok: true });
    expect(conn.received.filter((n) => n.tag === "iq" && n.attrs.xmlns === "encrypt" && n.attrs.type === "get").length).toBe(fetchesBefore);
    expect((history.inbound as Json[]).map((m) => m.text)).toEqual(["hello from Ada", "second from Ada"]);
    await until("delivery status 2", () => statusOf(sent2!.key.id!) >= 3);
  }, 30_000);

  it("answers usync and key fetches for sandbox accounts, and control-API errors with codes", async () => {
    const phone = await call("POST", "/sandbox/phones", {});
    const phoneId = phone.json.id as string;
    expect((await call("POST", `/sandbox/phones/${phoneId}/contacts`, { number: "16660003333" })).json).toMatchObject({
      error: { code: "number_taken" },
    });
    expect((await call("POST", `/sandbox/phones/${phoneId}/contacts/nobody/messages`, { text: "x" })).status).toBe(404);
    const c = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, {})).json;
    expect((await call("POST", `/sandbox/phones/${phoneId}/contacts/${c.id as string}/messages`, {})).json).toMatchObject({
      error: { code: "bad_request" },
    });
    // No client connected: nothing to deliver to.
    const lonely = await call("POST", `/sandbox/phones/${phoneId}/contacts/${c.id as string}/messages`, { text: "anyone?" });
    expect(lonely.json.deliveries).toEqual([]);
    expect((await call("GET", `/sandbox/phones/${phoneId}/contacts`)).json.contacts).toEqual([c]);
  });
});

describe("prekey uploads", () => {
  it("refuses an upload whose identity key is not the one the device was linked with (406)", async () => {
    const phoneId = (await call("POST", "/sandbox/phones", {})).json.id as string;
    const linked = await linkedClient(phoneId);
    try {
      // A well-formed upload (signed prekey signed by its own identity), but another identity.
      const stranger = memoryAuth(initAuthCreds());
      const { node } = await getNextPreKeysNode({ creds: stranger.creds, keys: stranger.state.keys }, 3);
      await expect(linked.sock.query(node)).rejects.toMatchObject({ data: 406 });
      // Its own identity is still accepted.
      const own = await getNextPreKeysNode({ creds: linked.sock.authState.creds, keys: linked.sock.authState.keys }, 3);
      expect((await linked.sock.query(own.node)).attrs.type).toBe("result");
    } finally {
      linked.end();
    }
  });
});

describe("message records", () => {
  it("keeps the last MAX_RECORDED_MESSAGES per direction", () => {
    const messaging = messagingOf(sandbox.state);
    const list: { id: number }[] = [];
    for (let i = 0; i <= MAX_RECORDED_MESSAGES; i++) messaging.record(list, { id: i });
    expect(list).toHaveLength(MAX_RECORDED_MESSAGES);
    expect(list[0]!.id).toBe(1);
  });
});
