import http from "node:http";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { resolveWebhookOptions } from "../../../src/events/webhooks/options.js";
import { Signer } from "../../../src/events/webhooks/signing.js";
import { EndpointWorker, type Job } from "../../../src/events/webhooks/worker.js";

/**
 * A failed attempt that ends while an unordered worker's scan waits on the store: the scan's
 * "nothing waits in the store" conclusion predates the retry (still in the group-commit writer), so
 * it must not stop looking. The store and writer are small in-memory stand-ins with the real
 * timing shape (writes land 25 ms later).
 */
describe("EndpointWorker (unordered)", () => {
  it("retries a delivery whose failure lands while a scan is reading the store", async () => {
    type Row = { seq: number; state: string; attempts: number; nextAt: number; body: string; eventId: string };
    const rows = new Map<number, Row>();
    const buffered: Array<() => void> = [];
    const calls: string[] = [];
    let gate: Promise<void> | null = null;
    let openGate: () => void = () => {};

    const server = http.createServer((req, res) => {
      const id = String(req.headers["webhook-id"]);
      req.resume();
      if (id === "e1") setTimeout(() => { res.statusCode = 500; res.end(); }, 100); // X: fails slowly
      else { res.statusCode = 204; res.end(); }
    });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

    const store = {
      async pending(_id: string, q: { limit: number; afterSeq?: number; dueBy?: number }) {
        calls.push(`pending(afterSeq=${q.afterSeq ?? 0})`);
        if (gate) await gate;
        return [...rows.values()].filter((r) => r.state === "pending" && r.seq > (q.afterSeq ?? 0) && (q.dueBy === undefined || r.nextAt <= q.dueBy))
          .sort((a, b) => a.seq - b.seq).slice(0, q.limit)
          .map((r) => ({ webhookId: "wh", eventSeq: r.seq, eventId: r.eventId, instanceId: null, type: "t", attempts: r.attempts, nextAttemptAt: r.nextAt, body: r.body }));
      },
      async nextAttemptAt(_id: string, after: number) {
        const n = [...rows.values()].filter((r) => r.state === "pending" && r.nextAt > after).map((r) => r.nextAt);
        calls.push(`nextAttemptAt -> ${n.length ? "some" : "undefined"}`);
        return n.length ? Math.min(...n) : undefined;
      },
      async heads() { return []; },
      async requeue() { return 0; },
    };
    // A group-commit writer whose writes land a little later (as with the 25 ms interval), flushed() applies at once.
    const apply = () => { for (const f of buffered.splice(0)) f(); };
    const writer = {
      result(u: { eventSeq: number; state: string; attempts: number; nextAttemptAt: number }) {
        buffered.push(() => { const r = rows.get(u.eventSeq)!; if (u.state === "delivered") rows.delete(u.eventSeq); else Object.assign(r, { state: u.state, attempts: u.attempts, nextAt: u.nextAttemptAt }); });
        setTimeout(apply, 25);
      },
      streak() {},
      async flushed() { apply(); },
      async barrier(op: () => Promise<void>) { await op(); },
    };
    const options = resolveWebhookOptions({ retryScheduleMs: [150, 150], jitter: 0, windowSize: 2, allowPrivateAddresses: true, pollIntervalMs: 100_000 });
    const w = new EndpointWorker(
      { id: "wh", instanceId: null, url, headers: {}, signer: new Signer([{ secret: "whsec_" + Buffer.alloc(32).toString("base64"), expiresAt: null }]), ordered: false, maxConcurrency: 4, failingSince: null, failureCount: 0 },
      { store: store as never, writer: writer as never, options, now: Date.now, random: () => 0.5, logger: pino({ level: "silent" }), onFailing() {} },
    );
    w.start();
    await new Promise((r) => setTimeout(r, 20));
    const mk = (seq: number): Job => ({ seq, eventId: `e${seq}`, instanceId: null, body: "{}", attempts: 0, nextAt: Date.now(), state: "idle" });
    for (const s of [1, 2, 3]) rows.set(s, { seq: s, state: "pending", attempts: 0, nextAt: Date.now(), body: "{}", eventId: `e${s}` });
    gate = new Promise((r) => (openGate = r));
    w.offer([mk(1), mk(2), mk(3)]); // window 2: seq 3 stays in the store (dbOnly); seq 2 succeeds fast -> a scan starts and waits on the gate
    await new Promise((r) => setTimeout(r, 130)); // seq 1 fails (500) while the scan waits
    openGate(); gate = null;
    await new Promise((r) => setTimeout(r, 1500)); // well past seq 1's retry time (150 ms)
    expect(calls.some((c) => c.startsWith("pending("))).toBe(true);
    expect(rows.get(1)).toMatchObject({ state: "failed", attempts: 3 }); // retried to the end of its schedule
    await w.stop(100);
    server.close();

  });
});
