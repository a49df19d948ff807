import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { ACCOUNT, webhookFixture } from "./support.js";

const { start, receiver } = webhookFixture();

describe("webhook delivery", () => {
  it("delivers every event once, signed (verified by standardwebhooks), with custom headers", async () => {
    const h = await start();
    const r = await receiver();
    await h.instance("bot");
    const before = await h.emit("bot", 3); // stored before the subscription: not delivered
    const { webhook, secret } = await h.webhooks.api.create(ACCOUNT, { url: r.url, instance: "bot", headers: { "X-Api-Key": "k-123" } });
    expect(webhook).toMatchObject({ instance: "bot", headers: ["x-api-key"], enabled: true, ordered: false, maxConcurrency: 8 });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const stored = await h.emit("bot", 20);
    await r.until(() => r.accepted().length >= 20);
    await new Promise((res) => setTimeout(res, 100));
    expect(r.received).toHaveLength(20);
    expect(new Set(r.accepted())).toEqual(new Set(stored.map((s) => s.envelope.id)));
    for (const b of before) expect(r.accepted()).not.toContain(b.envelope.id);

    const verifier = new Webhook(secret);
    for (const req of r.received) {
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers["x-api-key"]).toBe("k-123");
      const payload = verifier.verify(req.body, req.headers as Record<string, string>) as { id: string; type: string };
      expect(payload.id).toBe(req.id);
      expect(payload.type).toBe("message.received");
      expect(JSON.parse(req.body)).toEqual(stored.find((s) => s.envelope.id === req.id)!.envelope);
    }
    const attempts = await h.webhooks.api.attempts(ACCOUNT, webhook.id, {});
    expect(attempts.items).toHaveLength(20);
    expect(attempts.items.every((a) => a.ok && a.status === 204 && a.attempt === 1 && a.error === null)).toBe(true);
  });

  it("filters by instance and event type (exact and prefix)", async () => {
    const h = await start();
    const [a, b, c] = [await receiver(), await receiver(), await receiver()];
    await h.instance("one");
    await h.instance("two");
    await h.webhooks.api.create(ACCOUNT, { url: a.url, instance: "one" });
    await h.webhooks.api.create(ACCOUNT, { url: b.url, types: ["message.*"] });
    await h.webhooks.api.create(ACCOUNT, { url: c.url, types: ["instance.status"] });
    const one = await h.emit("one", 2);
    const two = await h.emit("two", 3);
    await b.until(() => b.accepted().length >= 5);
    await a.until(() => a.accepted().length >= 2);
    await new Promise((res) => setTimeout(res, 100));
    expect(a.accepted().sort()).toEqual(one.map((s) => s.envelope.id).sort());
    expect(b.accepted().sort()).toEqual([...one, ...two].map((s) => s.envelope.id).sort());
    expect(c.received).toHaveLength(0);
  });

  it("a receiver that fails, then hangs past the timeout, then recovers gets every event, in order per instance when ordered", async () => {
    const h = await start();
    const ordered = await receiver();
    const unordered = await receiver();
    await h.instance("alpha");
    await h.instance("beta");
    await h.webhooks.api.create(ACCOUNT, { url: ordered.url, ordered: true, maxConcurrency: 4 });
    await h.webhooks.api.create(ACCOUNT, { url: unordered.url, maxConcurrency: 4 });
    const ids: string[] = [];
    const burst = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        for (const s of await h.emit(i % 2 === 0 ? "alpha" : "beta", 5)) ids.push(s.envelope.id);
        await new Promise((res) => setTimeout(res, 2));
      }
    };
    await burst(10); // healthy
    for (const r of [ordered, unordered]) r.mode = "fail";
    await burst(10); // 500s
    for (const r of [ordered, unordered]) r.mode = "hang";
    await burst(10); // hangs past the 300 ms timeout
    await new Promise((res) => setTimeout(res, 400));
    for (const r of [ordered, unordered]) r.mode = "ok";
    await burst(10); // recovered
    for (const r of [ordered, unordered]) await r.until(() => r.accepted().length >= ids.length, 15_000);

    for (const r of [ordered, unordered]) {
      expect(new Set(r.accepted())).toEqual(new Set(ids));
      expect(r.received.some((x) => x.answer === "fail")).toBe(true);
      expect(r.received.some((x) => x.answer === "hang")).toBe(true);
    }
    // Ordered: per instance, events were first accepted in the order they were stored.
    const seqOf = new Map(ids.map((id, i) => [id, i]));
    const instOf = (id: string): string => (JSON.parse(ordered.received.find((x) => x.id === id)!.body) as { instance: string }).instance;
    for (const inst of ["alpha", "beta"]) {
      const got = ordered.accepted().filter((id) => instOf(id) === inst);
      expect(got.map((id) => seqOf.get(id))).toEqual([...got.map((id) => seqOf.get(id)!)].sort((x, y) => x - y));
    }
  }, 30_000);

  it("delivers a backlog larger than the in-memory window from the store, through failures, in order when ordered", async () => {
    const h = await start({ windowSize: 7 });
    const ordered = await receiver();
    const unordered = await receiver();
    await h.instance("alpha");
    await h.instance("beta");
    await h.webhooks.api.create(ACCOUNT, { url: ordered.url, ordered: true, maxConcurrency: 3 });
    await h.webhooks.api.create(ACCOUNT, { url: unordered.url, maxConcurrency: 3 });
    for (const r of [ordered, unordered]) r.delayMs = 2;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      for (const s of await h.emit(i % 2 === 0 ? "alpha" : "beta", 10)) ids.push(s.envelope.id);
      if (i === 4) for (const r of [ordered, unordered]) r.mode = "fail";
      if (i === 8) for (const r of [ordered, unordered]) r.mode = "ok";
    }
    for (const r of [ordered, unordered]) await r.until(() => r.accepted().length >= ids.length, 15_000);
    for (const r of [ordered, unordered]) expect(new Set(r.accepted())).toEqual(new Set(ids));
    const seqOf = new Map(ids.map((id, i) => [id, i]));
    const instOf = (id: string): string => (JSON.parse(ordered.received.find((x) => x.id === id)!.body) as { instance: string }).instance;
    for (const inst of ["alpha", "beta"]) {
      const got = ordered.accepted().filter((id) => instOf(id) === inst).map((id) => seqOf.get(id)!);
      expect(got).toEqual([...got].sort((x, y) => x - y));
    }
  }, 20_000);

  it("resumes pending deliveries after the dispatcher restarts", async () => {
    const h = await start();
    const r = await receiver();
    await h.instance("bot");
    await h.webhooks.api.create(ACCOUNT, { url: r.url, ordered: true });
    r.mode = "fail";
    const first = await h.emit("bot", 10);
    await r.until(() => r.received.length >= 3);
    await h.restartWebhooks();
    const second = await h.emit("bot", 10);
    r.mode = "ok";
    await r.until(() => r.accepted().length >= 20);
    expect(r.accepted()).toEqual([...first, ...second].map((s) => s.envelope.id));
  });
});
