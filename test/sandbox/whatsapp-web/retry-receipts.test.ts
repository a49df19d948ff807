/**
 * Retry receipts against the unmodified Baileys client: a sandbox contact that "could not decrypt"
 * a message forgets its session with the sender and asks for the message again; Baileys answers
 * from its `getMessage`, on a new session (a `pkmsg` the contact decrypts). Count 1 makes Baileys
 * fetch the contact's keys again; count 2 carries them in the receipt. A message Baileys cannot
 * find is not sent again (504 `no_resend`).
 */
import type { WAMessageKey, proto } from "baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
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

interface Copy {
  device: string;
  type: string;
  ok: boolean;
  deviceSent?: boolean;
}

describe("retry receipts", () => {
  it("Baileys sends a message again on a new session when the contact asks, from its getMessage", async () => {
    const phoneId = (await call("POST", "/sandbox/phones", {})).json.id as string;
    const contact = (await call("POST", `/sandbox/phones/${phoneId}/contacts`, { name: "Ada" })).json as { id: string; jid: string };
    // What this client can send again: what it sent, except what the test "forgot".
    const sent = new Map<string, proto.IMessage>();
    const asked: string[] = [];
    const getMessage = async (key: WAMessageKey): Promise<proto.IMessage | undefined> => {
      asked.push(key.id ?? "");
      return key.id ? sent.get(key.id) : undefined;
    };
    const auth = memoryAuth();
    const first = startClient(sandbox.wsUrl, auth);
    const { qr } = await first.waitFor((u) => typeof u.qr === "string");
    expect((await call("POST", `/sandbox/phones/${phoneId}/scan`, { qr })).status).toBe(200);
    await first.waitFor((u) => u.connection === "close");
    // Baileys' own recent-message cache off (as Switchboard runs it): getMessage alone decides what is sent again.
    client = startClient(sandbox.wsUrl, auth, { getMessage, enableRecentMessageCache: false });
    await client.waitFor((u) => u.connection === "open", 10_000);

    const send = async (text: string): Promise<string> => {
      const m = await client!.sock.sendMessage(contact.jid, { text });
      sent.set(m!.key.id!, m!.message!);
      return m!.key.id!;
    };
    const retry = (id: string, body: Json = {}) => call("POST", `/sandbox/phones/${phoneId}/contacts/${contact.id}/messages/${id}/retry`, body);
    const contactCopy = (m: Json): Copy | undefined => (m.copies as Copy[]).find((c) => !c.deviceSent);

    const a = await send("first");
    await send("second"); // the session with the contact is established and in use
    for (const count of [1, 2]) {
      const r = await retry(a, { count });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const resent = r.json.resent as Json;
      expect(resent).toMatchObject({ id: a, text: "first" });
      // The contact forgot its session, so only a copy on a new session decrypts.
      expect(contactCopy(resent)).toMatchObject({ type: "pkmsg", ok: true });
      expect(r.json.count).toBe(count);
      expect((r.json.original as Json).receipts).toEqual(expect.arrayContaining([expect.objectContaining({ type: "retry" })]));
    }
    expect(asked.filter((id) => id === a)).toHaveLength(2);

    // After the retries, new messages decrypt on the new session.
    const c = await send("third");
    const log = (await call("GET", `/sandbox/phones/${phoneId}/contacts/${contact.id}/messages`)).json.sent as Json[];
    const third = log.find((m) => m.id === c)!;
    expect(contactCopy(third)).toMatchObject({ ok: true });

    // A message the client can no longer find is not sent again.
    const b = await send("forgotten");
    sent.delete(b);
    const gone = await retry(b, { timeoutMs: 1_000 });
    expect(gone.status).toBe(504);
    expect(gone.json).toMatchObject({ error: { code: "no_resend" } });
    expect(asked).toContain(b);

    // Bad input, unknown messages, and a device that is not connected.
    expect((await retry(a, { count: 0 })).json).toMatchObject({ error: { code: "bad_request" } });
    expect((await retry(a, { count: "2" })).json).toMatchObject({ error: { code: "bad_request" } });
    expect((await retry(a, { timeoutMs: 10 })).json).toMatchObject({ error: { code: "bad_request" } });
    expect((await retry("3EB0000000000000000000")).json).toMatchObject({ error: { code: "message_not_found" } });
    client.end();
    client = undefined;
    // (until the sandbox has seen the socket close)
    const offline = await (async () => {
      for (let i = 0; i < 50; i++) {
        const r = await retry(a, { timeoutMs: 100 });
        if (r.status === 409) return r;
      }
      throw new Error("the sandbox still sends retry receipts to the closed client");
    })();
    expect(offline.status).toBe(409);
    expect(offline.json).toMatchObject({ error: { code: "device_offline" } });
  }, 60_000);
});
