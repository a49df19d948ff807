import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../../src/events/types.js";
import { purgeInstanceWebhooks } from "../../../src/store/kysely/webhooks.js";
import { openStore } from "../../../src/store/open.js";
import type { Store, WebhookRecord } from "../../../src/store/types.js";
import { createInstanceRecord } from "../../support/records.js";

/**
 * The webhook part of the store (`WebhookStore`), run on SQLite and on Postgres (the local server
 * of test/store/postgres.test.ts, in a throwaway schema).
 */
const pgUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function suite(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`webhook store: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    const sub = (over: Partial<WebhookRecord> = {}) => ({
      id: `wh_${randomUUID()}`,
      instanceId: null,
      url: "http://127.0.0.1:9/hook",
      description: "",
      eventTypes: [],
      headersSealed: null,
      secretSealed: randomBytes(40),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      ordered: false,
      maxConcurrency: 8,
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      createdAt: 1_700_000_000_000,
      ...over,
    });

    const envelope = (instance: string | null, type = "message.received", ts = Date.now()): EventEnvelope =>
      ({ id: `evt_${randomUUID()}`, type, instance, platform: instance ? "memory" : null, ts, metadata: {}, data: {} }) as unknown as EventEnvelope;

    async function events(instanceId: string, name: string, n: number, ts?: number) {
      return store.events.append(
        instanceId,
        Array.from({ length: n }, () => envelope(name, "message.received", ts)),
      );
    }

    it("creates a subscription whose cursor is the last stored seq, and round-trips every field", async () => {
      const inst = await createInstanceRecord(store);
      await events(inst.id, inst.name, 2);
      const last = await store.events.lastSeq();
      const rec = await store.webhooks.create(sub({ instanceId: inst.id, eventTypes: ["message.*"], headersSealed: Buffer.from([1, 2, 3]), ordered: true, maxConcurrency: 3 }));
      expect(rec).toMatchObject({ instanceId: inst.id, eventTypes: ["message.*"], ordered: true, maxConcurrency: 3, enabled: true, cursor: last, failingSince: null, failureCount: 0 });
      expect(rec.updatedAt).toBe(rec.createdAt);
      expect(await store.webhooks.get(rec.id)).toEqual(rec);
      expect((await store.webhooks.list({ instanceId: inst.id })).map((r) => r.id)).toEqual([rec.id]);
      expect((await store.webhooks.list({ instanceId: null })).some((r) => r.id === rec.id)).toBe(false);
      const upd = await store.webhooks.update(rec.id, { description: "d", enabled: false, disabledAt: 5, disabledReason: "user", previousSecretSealed: Buffer.from("p"), previousSecretExpiresAt: 9 }, 1_700_000_000_500);
      expect(upd).toMatchObject({ description: "d", enabled: false, disabledAt: 5, disabledReason: "user", previousSecretExpiresAt: 9, updatedAt: 1_700_000_000_500 });
      expect(upd?.previousSecretSealed?.toString()).toBe("p");
      expect(await store.webhooks.update("wh_missing", { description: "x" }, 1)).toBeUndefined();
      await expect(store.webhooks.create(sub({ instanceId: "no-such-instance" }))).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    });

    it("writes batches: fan-out rows (kept once), cursors (never backwards), results, attempts, streaks; drops rows of deleted subscriptions", async () => {
      const inst = await createInstanceRecord(store);
      const stored = await events(inst.id, inst.name, 3);
      const w = await store.webhooks.create(sub());
      const gone = await store.webhooks.create(sub());
      await store.webhooks.delete(gone.id);
      const rows = stored.map((s) => ({ webhookId: w.id, eventSeq: s.seq, eventId: s.envelope.id, instanceId: inst.id }));
      const last = stored[2]!.seq;
      await store.webhooks.writeBatch({
        now: 10,
        fanOut: [
          { webhookId: w.id, cursor: last, rows },
          { webhookId: gone.id, cursor: last, rows: rows.map((r) => ({ ...r, webhookId: gone.id })) },
        ],
        updates: [],
        attempts: [],
        streaks: [],
      });
      // The same rows again (a fan-out redone after a crash) and an older cursor change nothing.
      await store.webhooks.writeBatch({ now: 11, fanOut: [{ webhookId: w.id, cursor: last - 1, rows }], updates: [], attempts: [], streaks: [] });
      expect((await store.webhooks.get(w.id))?.cursor).toBe(last);
      const pending = await store.webhooks.pending(w.id, { limit: 10 });
      expect(pending.map((p) => p.eventSeq)).toEqual(stored.map((s) => s.seq));
      expect(pending[0]).toMatchObject({ eventId: stored[0]!.envelope.id, instanceId: inst.id, type: "message.received", attempts: 0, nextAttemptAt: 10 });
      expect(JSON.parse(pending[0]!.body)).toEqual(stored[0]!.envelope);
      expect(await store.webhooks.pending(gone.id, { limit: 10 })).toEqual([]);

      await store.webhooks.writeBatch({
        now: 20,
        fanOut: [],
        updates: [
          { webhookId: w.id, eventSeq: stored[0]!.seq, state: "delivered", attempts: 1, nextAttemptAt: 20 },
          { webhookId: w.id, eventSeq: stored[1]!.seq, state: "pending", attempts: 1, nextAttemptAt: 5_000 },
        ],
        attempts: [
          { webhookId: w.id, eventSeq: stored[0]!.seq, eventId: stored[0]!.envelope.id, instanceId: inst.id, attempt: 1, ts: 15, statusCode: 204, latencyMs: 3, error: null, ok: true },
          { webhookId: w.id, eventSeq: stored[1]!.seq, eventId: stored[1]!.envelope.id, instanceId: inst.id, attempt: 1, ts: 16, statusCode: null, latencyMs: 300, error: "timeout after 300 ms", ok: false },
          { webhookId: gone.id, eventSeq: stored[1]!.seq, eventId: stored[1]!.envelope.id, instanceId: inst.id, attempt: 1, ts: 16, statusCode: 500, latencyMs: 1, error: "HTTP 500", ok: false },
        ],
        streaks: [{ webhookId: w.id, failingSince: 16, failureCount: 1 }],
      });
      expect((await store.webhooks.pending(w.id, { limit: 10 })).map((p) => p.eventSeq)).toEqual([stored[1]!.seq, stored[2]!.seq]);
      expect((await store.webhooks.pending(w.id, { limit: 10, dueBy: 100 })).map((p) => p.eventSeq)).toEqual([stored[2]!.seq]);
      expect(await store.webhooks.nextAttemptAt(w.id, 100)).toBe(5_000);
      expect(await store.webhooks.nextAttemptAt(w.id, 5_000)).toBeUndefined();
      expect(await store.webhooks.get(w.id)).toMatchObject({ failingSince: 16, failureCount: 1 });
      const attempts = await store.webhooks.attempts(w.id, { limit: 10 });
      expect(attempts.map((a) => [a.statusCode, a.error, a.ok])).toEqual([
        [null, "timeout after 300 ms", false],
        [204, null, true],
      ]);
      expect((await store.webhooks.attempts(w.id, { limit: 10, before: attempts[0]!.id })).map((a) => a.id)).toEqual([attempts[1]!.id]);
      expect((await store.webhooks.attempts(w.id, { limit: 10, eventId: stored[1]!.envelope.id })).map((a) => a.id)).toEqual([attempts[0]!.id]);
      expect(await store.webhooks.attempts(gone.id, { limit: 10 })).toEqual([]);

      // Requeue: delivered ones become pending from scratch, missing ones are created.
      await store.webhooks.requeue([rows[0]!], 30);
      expect((await store.webhooks.pending(w.id, { limit: 10 }))[0]).toMatchObject({ eventSeq: stored[0]!.seq, attempts: 0, nextAttemptAt: 30 });
      await store.webhooks.expedite(w.id, 40);
      expect(await store.webhooks.nextAttemptAt(w.id, 40)).toBeUndefined();
    });

    it("finds the first pending delivery of each instance (heads), and drops deliveries of events that are gone", async () => {
      const [a, b] = [await createInstanceRecord(store), await createInstanceRecord(store)];
      const w = await store.webhooks.create(sub());
      const ea = await events(a.id, a.name, 3);
      const eb = await events(b.id, b.name, 2);
      const global = await store.events.append(null, [envelope(null, "webhook.disabled")]);
      const all = [...ea, ...eb, ...global];
      await store.webhooks.writeBatch({
        now: 1,
        fanOut: [{ webhookId: w.id, cursor: 0, rows: all.map((s) => ({ webhookId: w.id, eventSeq: s.seq, eventId: s.envelope.id, instanceId: s.envelope.instance === a.name ? a.id : s.envelope.instance === b.name ? b.id : null })) }],
        updates: [{ webhookId: w.id, eventSeq: ea[0]!.seq, state: "delivered", attempts: 1, nextAttemptAt: 1 }],
        attempts: [],
        streaks: [],
      });
      expect((await store.webhooks.heads(w.id, 10)).map((p) => p.eventSeq)).toEqual([ea[1]!.seq, eb[0]!.seq, global[0]!.seq]);
      expect((await store.webhooks.heads(w.id, 2)).map((p) => p.eventSeq)).toEqual([ea[1]!.seq, eb[0]!.seq]);
      expect((await store.webhooks.pending(w.id, { limit: 10, instanceId: b.id })).map((p) => p.eventSeq)).toEqual(eb.map((s) => s.seq));
      expect((await store.webhooks.pending(w.id, { limit: 10, instanceId: null })).map((p) => p.eventSeq)).toEqual([global[0]!.seq]);

      // Instance b is purged: its events go, and with them the deliveries (the purge removes them; a reader drops any left).
      await store.instances.purge(b.id);
      expect((await store.webhooks.heads(w.id, 10)).map((p) => p.eventSeq)).toEqual([ea[1]!.seq, global[0]!.seq]);
    });

    it("disables a subscription and stores its webhook.disabled event in one transaction, once", async () => {
      const inst = await createInstanceRecord(store);
      const w = await store.webhooks.create(sub({ instanceId: inst.id }));
      const env = envelope(inst.name, "webhook.disabled");
      const stored = await store.webhooks.disable(w.id, "failing", 77, { envelope: env, instanceId: inst.id });
      expect(stored?.envelope).toEqual(env);
      expect(await store.events.locate(env.id)).toEqual({ seq: stored!.seq, instanceId: inst.id });
      expect(await store.webhooks.get(w.id)).toMatchObject({ enabled: false, disabledAt: 77, disabledReason: "failing" });
      expect(await store.webhooks.disable(w.id, "failing", 78, { envelope: envelope(inst.name, "webhook.disabled"), instanceId: inst.id })).toBeUndefined();
      const global = await store.webhooks.create(sub());
      const genv = envelope(null, "webhook.disabled");
      expect((await store.webhooks.disable(global.id, "failing", 79, { envelope: genv, instanceId: null }))?.envelope.instance).toBeNull();
      expect(await store.events.locate(genv.id)).toMatchObject({ instanceId: null });
    });

    it("purgeInstanceWebhooks removes the instance's subscriptions and every delivery and attempt of its events, nothing else", async () => {
      const [a, b] = [await createInstanceRecord(store), await createInstanceRecord(store)];
      const own = await store.webhooks.create(sub({ instanceId: a.id }));
      const global = await store.webhooks.create(sub());
      const ofB = await store.webhooks.create(sub({ instanceId: b.id }));
      const ea = await events(a.id, a.name, 1);
      const eb = await events(b.id, b.name, 1);
      const row = (wid: string, s: (typeof ea)[number], inst: string) => ({ webhookId: wid, eventSeq: s.seq, eventId: s.envelope.id, instanceId: inst });
      const att = (wid: string, s: (typeof ea)[number], inst: string) => ({ ...row(wid, s, inst), attempt: 1, ts: 1, statusCode: 500, latencyMs: 1, error: "HTTP 500", ok: false });
      await store.webhooks.writeBatch({
        now: 1,
        fanOut: [
          { webhookId: own.id, cursor: 0, rows: [row(own.id, ea[0]!, a.id)] },
          { webhookId: global.id, cursor: 0, rows: [row(global.id, ea[0]!, a.id), row(global.id, eb[0]!, b.id)] },
          { webhookId: ofB.id, cursor: 0, rows: [row(ofB.id, eb[0]!, b.id)] },
        ],
        updates: [],
        attempts: [att(own.id, ea[0]!, a.id), att(global.id, ea[0]!, a.id), att(global.id, eb[0]!, b.id), att(ofB.id, eb[0]!, b.id)],
        streaks: [],
      });
      const db = (store as unknown as { webhooks: { db: Parameters<typeof purgeInstanceWebhooks>[0] } }).webhooks.db;
      await db.transaction().execute((trx) => purgeInstanceWebhooks(trx, a.id));
      expect(await store.webhooks.get(own.id)).toBeUndefined();
      expect((await store.webhooks.pending(global.id, { limit: 10 })).map((p) => p.instanceId)).toEqual([b.id]);
      expect((await store.webhooks.attempts(global.id, { limit: 10 })).map((x) => x.instanceId)).toEqual([b.id]);
      expect(await store.webhooks.pending(ofB.id, { limit: 10 })).toHaveLength(1);
      expect(await store.webhooks.attempts(ofB.id, { limit: 10 })).toHaveLength(1);
    });

    it("retention prunes old attempts and the deliveries of pruned events", async () => {
      // A fresh store: event retention removes a prefix of the outbox, so older tests' events would stop it.
      const fresh0 = await open();
      const outer = store;
      store = fresh0.store;
      try {
        await retention();
      } finally {
        await store.close();
        await fresh0.cleanup();
        store = outer;
      }
    });

    async function retention(): Promise<void> {
      const inst = await createInstanceRecord(store);
      const w = await store.webhooks.create(sub());
      const old = await events(inst.id, inst.name, 2, 1_000);
      const fresh = await events(inst.id, inst.name, 1);
      const all = [...old, ...fresh];
      await store.webhooks.writeBatch({
        now: 1,
        fanOut: [{ webhookId: w.id, cursor: 0, rows: all.map((s) => ({ webhookId: w.id, eventSeq: s.seq, eventId: s.envelope.id, instanceId: inst.id })) }],
        updates: [],
        attempts: all.map((s, i) => ({ webhookId: w.id, eventSeq: s.seq, eventId: s.envelope.id, instanceId: inst.id, attempt: 1, ts: i < 2 ? 1_000 : Date.now(), statusCode: 500, latencyMs: 1, error: "HTTP 500", ok: false })),
        streaks: [],
      });
      await store.events.prune(2_000);
      expect(await store.webhooks.prune(2_000)).toBeGreaterThanOrEqual(4);
      expect((await store.webhooks.attempts(w.id, { limit: 10 })).map((a) => a.eventSeq)).toEqual([fresh[0]!.seq]);
      const db = (store as unknown as { webhooks: { db: { selectFrom: (t: "webhook_deliveries") => { select: (c: "event_seq") => { where: (a: "webhook_id", o: "=", v: string) => { execute(): Promise<Array<{ event_seq: number }>> } } } } } }).webhooks.db;
      const left = await db.selectFrom("webhook_deliveries").select("event_seq").where("webhook_id", "=", w.id).execute();
      expect(left.map((r) => Number(r.event_seq))).toEqual([fresh[0]!.seq]);
    }
  });
}

suite("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-wh-store-"));
  const store = await openStore({ dataDir: dir });
  return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

suite("postgres", async () => {
  const schema = `sb_test_${randomBytes(6).toString("hex")}`;
  const store = await openStore({ dataDir: "/unused", databaseUrl: pgUrl, databaseSchema: schema });
  return {
    store,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
});
