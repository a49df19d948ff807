/**
 * Retry receipts are answered without Baileys' recent-message cache (whose per-message purge timers
 * kept each send's Signal key cache alive: bench/soak's heap snapshots, docs/benchmarks.md): the
 * connector's RetryMessages keeps the last 256 texts in a plain Map and reads older ones back from
 * the gateway's stored `message.sent` events. Pinned here: the bound, the store fallback, and that N
 * sends through a real session against the sandbox leave no timer per message behind.
 */
import { createHook } from "node:async_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { RECENT_SENT, RetryMessages } from "../../../src/connectors/whatsapp-web/retry-messages.js";
import { waHarness, type WaHarness } from "./harness.js";

let h: WaHarness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe("RetryMessages", () => {
  it("keeps the newest 256 texts in memory and asks the store for older ones", async () => {
    const asked: string[] = [];
    const stored = new Map([["id-0", "from the store"]]);
    const retries = new RetryMessages({
      sentMessage: async (id) => {
        asked.push(id);
        const body = stored.get(id);
        return body === undefined ? null : { threadId: "t", body };
      },
    });
    for (let i = 0; i < RECENT_SENT + 44; i++) retries.remember(`id-${i}`, `text ${i}`);
    expect(retries.size).toBe(RECENT_SENT);
    expect(await retries.get({ id: `id-${RECENT_SENT + 43}` })).toEqual({ conversation: `text ${RECENT_SENT + 43}` });
    expect(asked).toEqual([]);
    expect(await retries.get({ id: "id-0" })).toEqual({ conversation: "from the store" });
    expect(await retries.get({ id: "never-sent" })).toBeUndefined();
    expect(asked).toEqual(["id-0", "never-sent"]);
    expect(await retries.get({})).toBeUndefined();
  });
});

describe("whatsapp-web: sends leave no timer behind", () => {
  it("120 sends through a connected session leave no long-lived timer behind, and each sent text can be read back from the store", async () => {
    h = await waHarness();
    const phone = await h.phones.phone();
    await h.create("sender");
    await h.linkByQr("sender", phone.id);
    const contact = (await h.phones.call("POST", `/sandbox/phones/${phone.id}/contacts`, { name: "Bob" })).body as { jid: string };
    // Timers of a minute or more created meanwhile and still pending (unref'd ones included, which
    // process.getActiveResourcesInfo() does not list): Baileys' cache armed one 5-minute timer per send.
    const longTimers = new Map<number, { _idleTimeout?: number }>();
    const hook = createHook({
      init(id, type, _trigger, resource) {
        if (type === "Timeout") longTimers.set(id, resource as { _idleTimeout?: number });
      },
      destroy(id) {
        longTimers.delete(id);
      },
    });
    const pendingLong = (): number => [...longTimers.values()].filter((t) => (t._idleTimeout ?? 0) >= 60_000).length;
    const send = async (i: number): Promise<string> => {
      const r = await h!.api("POST", "/v1/instances/sender/messages", { threadId: contact.jid, body: `message ${i}` });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.messageId as string;
    };
    await send(0); // the first send sets up the Signal session and its caches
    hook.enable();
    const ids: string[] = [];
    try {
      for (let i = 1; i <= 120; i++) ids.push(await send(i));
      await new Promise((r) => setTimeout(r, 200));
      expect(pendingLong()).toBeLessThan(10);
    } finally {
      hook.disable();
    }
    const record = await h.server.store.instances.get("sender");
    const found = await h.server.store.events.findMessage(record!.id, "message.sent", ids[0]!);
    expect(found?.envelope.data).toMatchObject({ body: "message 1", messageId: ids[0] });
  });
});

describe("whatsapp-web: retry receipts end to end", () => {
  it("answers a contact's retry for a recent message from memory, and for one sent before a restart from the store", async () => {
    h = await waHarness();
    const phone = await h.phones.phone();
    await h.create("sender");
    await h.linkByQr("sender", phone.id);
    const contact = (await h.phones.call("POST", `/sandbox/phones/${phone.id}/contacts`, { name: "Bob" })).body as { id: string; jid: string };
    const send = async (text: string): Promise<string> => {
      const r = await h!.api("POST", "/v1/instances/sender/messages", { threadId: contact.jid, body: text });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.messageId as string;
    };
    const retry = async (id: string, count: number) => {
      const r = await h!.phones.call("POST", `/sandbox/phones/${phone.id}/contacts/${contact.id}/messages/${id}/retry`, { count });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const resent = r.body.resent as { text?: string; copies: Array<{ type: string; ok: boolean; deviceSent?: boolean }> };
      return { text: resent.text, contactCopy: resent.copies.find((c) => !c.deviceSent) };
    };

    const older = await send("sent before the restart");
    expect(await retry(older, 1)).toEqual({ text: "sent before the restart", contactCopy: expect.objectContaining({ type: "pkmsg", ok: true }) });

    // A new session starts with nothing in memory: the text comes from the stored message.sent event.
    const r = await h.api("POST", "/v1/instances/sender/restart", { wait: "connected", timeoutMs: 10_000 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await retry(older, 2)).toEqual({ text: "sent before the restart", contactCopy: expect.objectContaining({ type: "pkmsg", ok: true }) });
    const newer = await send("sent after the restart");
    expect(await retry(newer, 1)).toEqual({ text: "sent after the restart", contactCopy: expect.objectContaining({ type: "pkmsg", ok: true }) });
  }, 60_000);
});
