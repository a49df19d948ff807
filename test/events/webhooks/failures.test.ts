import { describe, expect, it } from "vitest";
import { isSwitchboardError } from "../../../src/core/errors.js";
import { ACCOUNT, webhookFixture } from "./support.js";

const { start, receiver } = webhookFixture();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(10);
  }
}

describe("failing endpoints", () => {
  it("are disabled after failing long and often enough, with a webhook.disabled event; re-enabling delivers what waited", async () => {
    const h = await start({ disableAfterMs: 150, disableAfterAttempts: 3, retryScheduleMs: Array(20).fill(20) as number[] });
    const bad = await receiver();
    const watcher = await receiver();
    bad.mode = "fail";
    await h.instance("bot");
    const perInstance = await h.webhooks.api.create(ACCOUNT, { url: bad.url, instance: "bot", types: ["message.*"] });
    const global = await h.webhooks.api.create(ACCOUNT, { url: bad.url + "?global", types: ["message.*"] });
    await h.webhooks.api.create(ACCOUNT, { url: watcher.url, types: ["webhook.*"] });
    const stored = await h.emit("bot", 3);

    await until(async () => !(await h.webhooks.api.get(ACCOUNT, perInstance.webhook.id)).enabled && !(await h.webhooks.api.get(ACCOUNT, global.webhook.id)).enabled);
    const view = await h.webhooks.api.get(ACCOUNT, perInstance.webhook.id);
    expect(view).toMatchObject({ enabled: false, disabledReason: "failing" });
    expect(view.failingSince).not.toBeNull();

    await watcher.until(() => watcher.accepted().length >= 2);
    const disabled = watcher.received.map((x) => JSON.parse(x.body) as { type: string; instance: string | null; platform: string | null; data: { webhookId: string; failedAttempts: number } });
    const ofInstance = disabled.find((e) => e.data.webhookId === perInstance.webhook.id)!;
    const ofGlobal = disabled.find((e) => e.data.webhookId === global.webhook.id)!;
    expect(ofInstance).toMatchObject({ type: "webhook.disabled", instance: "bot", platform: "memory" });
    expect(ofInstance.data.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(ofGlobal).toMatchObject({ type: "webhook.disabled", instance: null, platform: null });
    // Stored in the outbox like every event.
    const outbox = await h.core.store.events.query({ types: ["webhook.disabled"], limit: 10 });
    expect(outbox).toHaveLength(2);

    // Every attempt is listed, newest first, with its status and error; pages chain with `next`.
    const page1 = await h.webhooks.api.attempts(ACCOUNT, perInstance.webhook.id, { limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0]!.id).toBeGreaterThan(page1.items[1]!.id);
    expect(page1.items.every((a) => !a.ok && a.status === 500 && a.error === "HTTP 500" && a.latencyMs >= 0)).toBe(true);
    const page2 = await h.webhooks.api.attempts(ACCOUNT, perInstance.webhook.id, { limit: 2, before: page1.next! });
    expect(page2.items[0]!.id).toBeLessThan(page1.items[1]!.id);
    const ofFirst = await h.webhooks.api.attempts(ACCOUNT, perInstance.webhook.id, { eventId: stored[0]!.envelope.id, limit: 500 });
    expect(ofFirst.items.length).toBeGreaterThanOrEqual(2);
    expect(ofFirst.items.map((a) => a.attempt)).toEqual([...ofFirst.items.map((a) => a.attempt)].sort((x, y) => y - x));

    // Disabled: nothing more is sent.
    const sent = bad.received.length;
    await sleep(150);
    expect(bad.received.length).toBe(sent);

    bad.mode = "ok";
    const back = await h.webhooks.api.update(ACCOUNT, perInstance.webhook.id, { enabled: true });
    expect(back).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
    await bad.until(() => bad.accepted().length >= 3);
    expect(new Set(bad.accepted())).toEqual(new Set(stored.map((s) => s.envelope.id)));
  });

  it("give a delivery up after the last retry", async () => {
    const h = await start({ retryScheduleMs: [10, 10] });
    const r = await receiver();
    r.mode = "fail";
    await h.instance("bot");
    const { webhook } = await h.webhooks.api.create(ACCOUNT, { url: r.url });
    await h.emit("bot", 1);
    await r.until(() => r.received.length >= 3);
    await sleep(150);
    expect(r.received).toHaveLength(3);
    const { items } = await h.webhooks.api.attempts(ACCOUNT, webhook.id, {});
    expect(items.map((a) => a.attempt)).toEqual([3, 2, 1]);
  });

  it("a slow endpoint holds up no other endpoint and gets at most maxConcurrency requests at once", async () => {
    const h = await start({ attemptTimeoutMs: 5_000 });
    const slow = await receiver();
    const fast = await receiver();
    slow.delayMs = 2_000;
    await h.instance("bot");
    await h.webhooks.api.create(ACCOUNT, { url: slow.url, maxConcurrency: 2 });
    await h.webhooks.api.create(ACCOUNT, { url: fast.url });
    const stored = await h.emit("bot", 30);
    await fast.until(() => fast.accepted().length >= 30, 1_500);
    expect(fast.accepted()).toHaveLength(stored.length);
    expect(slow.received.length).toBeLessThanOrEqual(2);
    expect(slow.accepted()).toHaveLength(0);
  });
});

describe("manual redelivery", () => {
  it("sends one event, or every matching event of a time range, again", async () => {
    const h = await start();
    const r = await receiver();
    await h.instance("bot");
    await h.instance("other");
    const { webhook } = await h.webhooks.api.create(ACCOUNT, { url: r.url, instance: "bot" });
    const t0 = Date.now();
    const stored = await h.emit("bot", 5);
    const foreign = await h.emit("other", 1);
    await r.until(() => r.accepted().length >= 5);
    const count = (id: string): number => r.received.filter((x) => x.id === id).length;

    const target = stored[2]!.envelope.id;
    expect(await h.webhooks.api.redeliver(ACCOUNT, webhook.id, { eventId: target })).toEqual({ queued: 1 });
    await r.until(() => count(target) === 2);
    // The attempt of the redelivery counts from 1 again.
    await until(async () => (await h.webhooks.api.attempts(ACCOUNT, webhook.id, { eventId: target })).items.length === 2);
    const attempts = await h.webhooks.api.attempts(ACCOUNT, webhook.id, { eventId: target });
    expect(attempts.items.map((a) => a.attempt)).toEqual([1, 1]);

    expect(await h.webhooks.api.redeliver(ACCOUNT, webhook.id, { from: t0 - 1000, to: Date.now() + 1000 })).toEqual({ queued: 5 });
    await r.until(() => stored.every((s) => count(s.envelope.id) >= 2) && count(target) === 3);
    expect(r.received.some((x) => x.id === foreign[0]!.envelope.id)).toBe(false);
    expect(await h.webhooks.api.redeliver(ACCOUNT, webhook.id, { from: 0, to: 1000 })).toEqual({ queued: 0 });

    const code = async (p: Promise<unknown>): Promise<string | undefined> =>
      p.then(
        () => undefined,
        (e: unknown) => (isSwitchboardError(e) ? e.code : String(e)),
      );
    expect(await code(h.webhooks.api.redeliver(ACCOUNT, webhook.id, { eventId: foreign[0]!.envelope.id }))).toBe("EVENT_NOT_FOUND");
    expect(await code(h.webhooks.api.redeliver(ACCOUNT, webhook.id, { eventId: "evt_nope" }))).toBe("EVENT_NOT_FOUND");
    const typed = await h.webhooks.api.create(ACCOUNT, { url: r.url, types: ["instance.*"] });
    expect(await code(h.webhooks.api.redeliver(ACCOUNT, typed.webhook.id, { eventId: target }))).toBe("VALIDATION_FAILED");
    expect(await code(h.webhooks.api.redeliver(ACCOUNT, webhook.id, { from: 10, to: 5 }))).toBe("VALIDATION_FAILED");
  });
});
