import { describe, expect, it } from "vitest";
import { ACCOUNT, webhookFixture } from "./support.js";

const { start, receiver } = webhookFixture();

describe("deleting an instance", () => {
  it("removes its subscriptions with their deliveries and attempts, and other subscriptions' rows of its events; delivery to it stops at once", async () => {
    const h = await start({ retryScheduleMs: Array(200).fill(30) as number[] });
    const own = await receiver();
    const global = await receiver();
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

    // The fan-out is held up (as behind a long backlog): it does not read the instance.deleted event,
    // so only the dispatcher's own reaction to the deletion can stop the sends.
    const events = h.core.store.webhooks;
    const readEvents = events.readEvents.bind(events);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    events.readEvents = async (afterSeq, limit) => {
      await gate;
      return readEvents(afterSeq, limit);
    };
    try {
      await h.core.gateway.deleteInstance("bot");
      // Counted from the moment the deletion returned; an attempt already in flight then may still
      // arrive (at most one per event: each event has one attempt at a time), a new one may not.
      const ownBefore = own.received.length;
      const globalBefore = global.received.length;

      await expect(h.webhooks.api.get(ACCOUNT, sub.webhook.id)).rejects.toMatchObject({ code: "WEBHOOK_NOT_FOUND" });
      const left = await h.webhooks.api.attempts(ACCOUNT, all.webhook.id, { limit: 500 });
      expect(left.items.length).toBeGreaterThan(0);
      const keptIds = new Set(kept.map((s) => s.envelope.id));
      expect(left.items.every((a) => keptIds.has(a.eventId))).toBe(true);
      const pending = await h.core.store.webhooks.pending(all.webhook.id, { limit: 100 });
      expect(pending.every((p) => p.instanceId !== botId)).toBe(true);
      expect(pending.length).toBeGreaterThan(0);

      // Time passes while the other instance's deliveries keep being retried (every ~30 ms)...
      const ofOther = (from: number): number => global.received.slice(from).filter((x) => keptIds.has(x.id)).length;
      await global.until(() => ofOther(globalBefore) >= 10, 10_000, "retries of the other instance");
      // ...and nothing of the deleted instance was attempted anew.
      const perEvent = (xs: readonly { id: string }[]): number => Math.max(0, ...[...gone].map((id) => xs.filter((x) => x.id === id).length));
      expect(perEvent(own.received.slice(ownBefore))).toBeLessThanOrEqual(1);
      expect(perEvent(global.received.slice(globalBefore))).toBeLessThanOrEqual(1);
    } finally {
      release();
    }
  });
});
