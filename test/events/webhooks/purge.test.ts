import { afterEach, describe, expect, it } from "vitest";
import { ACCOUNT, Receiver, webhookHarness, type WebhookHarness } from "./support.js";

let h: WebhookHarness | null = null;
let receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers) await r.close();
  receivers = [];
  await h?.dispose();
  h = null;
});

describe("deleting an instance", () => {
  it("removes its subscriptions with their deliveries and attempts, and other subscriptions' rows of its events; delivery to it stops", async () => {
    h = await webhookHarness({ retryScheduleMs: Array(50).fill(30) as number[] });
    const own = await new Receiver().start();
    const global = await new Receiver().start();
    receivers.push(own, global);
    own.mode = "fail"; // its deliveries stay pending
    global.mode = "fail";
    const botId = await h.instance("bot");
    await h.instance("other");
    const sub = await h.webhooks.api.create(ACCOUNT, { url: own.url, instance: "bot" });
    const all = await h.webhooks.api.create(ACCOUNT, { url: global.url, types: ["message.*"], ordered: true });
    const gone = new Set((await h.emit("bot", 3)).map((e) => e.envelope.id));
    const kept = await h.emit("other", 2);
    await own.until(() => own.received.length >= 3);
    await global.until(() => new Set(global.received.map((x) => x.id)).size >= 2); // ordered: the first of each instance
    await h.webhooks.dispatcher.flushed();

    await h.core.gateway.deleteInstance("bot");
    await expect(h.webhooks.api.get(ACCOUNT, sub.webhook.id)).rejects.toMatchObject({ code: "WEBHOOK_NOT_FOUND" });
    const left = await h.webhooks.api.attempts(ACCOUNT, all.webhook.id, { limit: 500 });
    expect(left.items.length).toBeGreaterThan(0);
    const keptIds = new Set(kept.map((s) => s.envelope.id));
    expect(left.items.every((a) => keptIds.has(a.eventId))).toBe(true);
    const pending = await h.core.store.webhooks.pending(all.webhook.id, { limit: 100 });
    expect(pending.every((p) => p.instanceId !== botId)).toBe(true);
    expect(pending.length).toBeGreaterThan(0);

    // Nothing of the instance is sent any more: its subscription's worker stops, and the global
    // subscription forgets its pending deliveries (while the other instance's keep being retried).
    await new Promise((r) => setTimeout(r, 150));
    const n = own.received.length;
    const ofBot = (): number => global.received.filter((x) => gone.has(x.id)).length;
    const m = ofBot();
    const others = global.received.length - m;
    await new Promise((r) => setTimeout(r, 200));
    expect(own.received.length).toBe(n);
    expect(ofBot()).toBe(m);
    expect(global.received.length - ofBot()).toBeGreaterThan(others);
  });
});
