import { CompiledQuery, sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { EventEnvelope } from "../../events/types.js";
import { MAX_EVENT_PAGE } from "../types.js";
import type {
  AttemptRecord,
  DeliveryBatch,
  DeliveryKey,
  DeliveryUpdate,
  OutboxEvent,
  PendingDelivery,
  StoredEvent,
  WebhookPatch,
  WebhookRecord,
  WebhookStore,
} from "../types.js";
import { guard } from "./errors.js";
import type { EventCodec } from "./event-codec.js";
import { appendEvents } from "./outbox.js";
import type { Database, WebhooksTable } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;
type Kind = "sqlite" | "postgres";

/**
 * Row counts of the multi-row statements. On SQLite the statement cache keys on the SQL text, so
 * rows go in chunks of a few fixed sizes (a handful of texts per statement); Postgres prefers fewer
 * round trips, so one chunk of up to 500.
 */
const SQLITE_CHUNKS = [256, 64, 16, 4, 1] as const;
const PG_CHUNK = 500;

/** Splits `rows` into chunks whose sizes suit the engine (see {@link SQLITE_CHUNKS}). */
function chunked<T>(kind: Kind, rows: readonly T[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  if (kind === "postgres") {
    for (; i < rows.length; i += PG_CHUNK) out.push(rows.slice(i, i + PG_CHUNK));
    return out;
  }
  for (const size of SQLITE_CHUNKS) {
    while (rows.length - i >= size) {
      out.push(rows.slice(i, i + size));
      i += size;
    }
  }
  return out;
}

/**
 * Builds `(…), (…)` value tuples with the engine's placeholders. On Postgres each placeholder carries
 * its type (`$1::bigint`) when `types` names one, which `VALUES` lists used as a table
 * (`update … from (values …)`) need; inserts leave `types` empty (the target columns type them).
 */
function tuples<T>(kind: Kind, rows: readonly T[], types: readonly string[], values: (row: T) => readonly unknown[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const row of rows) {
    const vs = values(row);
    const cols: string[] = [];
    for (let j = 0; j < vs.length; j++) {
      params.push(vs[j]);
      cols.push(kind === "sqlite" ? "?" : types[j] ? `$${params.length}::${types[j]}` : `$${params.length}`);
    }
    parts.push(`(${cols.join(", ")})`);
  }
  return { text: parts.join(", "), params };
}

const b = (v: boolean): number => (v ? 1 : 0);

/**
 * Rows about an event are written only while the event is stored: an attempt that ends, or a
 * fan-out written, after an instance purge removed the event leaves nothing of that instance behind.
 */
const EVENT_EXISTS = `where exists (select 1 from "events" e where e."seq" = v.column2)`;

function toRecord(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: row.id,
    instanceId: row.instance_id,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    headersSealed: row.headers_sealed === null ? null : Buffer.from(row.headers_sealed),
    secretSealed: Buffer.from(row.secret_sealed),
    previousSecretSealed: row.previous_secret_sealed === null ? null : Buffer.from(row.previous_secret_sealed),
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
    ordered: Number(row.ordered) === 1,
    maxConcurrency: Number(row.max_concurrency),
    enabled: Number(row.enabled) === 1,
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
    disabledReason: row.disabled_reason,
    cursor: Number(row.cursor),
    failingSince: row.failing_since === null ? null : Number(row.failing_since),
    failureCount: Number(row.failure_count),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The columns a {@link WebhookPatch} maps to. */
function patchColumns(p: WebhookPatch): Partial<WebhooksTable> {
  const c: Partial<WebhooksTable> = {};
  if (p.url !== undefined) c.url = p.url;
  if (p.description !== undefined) c.description = p.description;
  if (p.eventTypes !== undefined) c.event_types = JSON.stringify(p.eventTypes);
  if (p.headersSealed !== undefined) c.headers_sealed = p.headersSealed;
  if (p.secretSealed !== undefined) c.secret_sealed = p.secretSealed;
  if (p.previousSecretSealed !== undefined) c.previous_secret_sealed = p.previousSecretSealed;
  if (p.previousSecretExpiresAt !== undefined) c.previous_secret_expires_at = p.previousSecretExpiresAt;
  if (p.ordered !== undefined) c.ordered = b(p.ordered);
  if (p.maxConcurrency !== undefined) c.max_concurrency = p.maxConcurrency;
  if (p.enabled !== undefined) c.enabled = b(p.enabled);
  if (p.disabledAt !== undefined) c.disabled_at = p.disabledAt;
  if (p.disabledReason !== undefined) c.disabled_reason = p.disabledReason;
  if (p.failingSince !== undefined) c.failing_since = p.failingSince;
  if (p.failureCount !== undefined) c.failure_count = p.failureCount;
  return c;
}

/**
 * Deletes every webhook subscription of the instance with their deliveries and attempts, and the
 * deliveries and attempts of every other (global) subscription for that instance's events. Runs in
 * the caller's transaction (the instance purge); touches nothing of other instances.
 */
export async function purgeInstanceWebhooks(trx: Db, instanceId: string): Promise<void> {
  const own = trx.selectFrom("webhooks").select("id").where("instance_id", "=", instanceId);
  await trx.deleteFrom("webhook_attempts").where("instance_id", "=", instanceId).execute();
  await trx.deleteFrom("webhook_attempts").where("webhook_id", "in", own).execute();
  await trx.deleteFrom("webhook_deliveries").where("instance_id", "=", instanceId).execute();
  await trx.deleteFrom("webhook_deliveries").where("webhook_id", "in", own).execute();
  await trx.deleteFrom("webhooks").where("instance_id", "=", instanceId).execute();
}

/** {@link WebhookStore} over Kysely, the same SQL on SQLite and Postgres (placeholders and casts aside). */
export class KyselyWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: Kind,
    private readonly codec: EventCodec,
  ) {}

  create(rec: Omit<WebhookRecord, "cursor" | "updatedAt" | "failingSince" | "failureCount">): Promise<WebhookRecord> {
    return guard("webhooks.create", async () => {
      const row = await this.db
        .insertInto("webhooks")
        .values({
          id: rec.id,
          instance_id: rec.instanceId,
          url: rec.url,
          description: rec.description,
          event_types: JSON.stringify(rec.eventTypes),
          headers_sealed: rec.headersSealed,
          secret_sealed: rec.secretSealed,
          previous_secret_sealed: rec.previousSecretSealed,
          previous_secret_expires_at: rec.previousSecretExpiresAt,
          ordered: b(rec.ordered),
          max_concurrency: rec.maxConcurrency,
          enabled: b(rec.enabled),
          disabled_at: rec.disabledAt,
          disabled_reason: rec.disabledReason,
          // The cursor is read in the insert itself: every event stored later has a higher seq.
          cursor: sql<number>`coalesce((select max(seq) from events), 0)`,
          failing_since: null,
          failure_count: 0,
          created_at: rec.createdAt,
          updated_at: rec.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    });
  }

  get(id: string): Promise<WebhookRecord | undefined> {
    return guard("webhooks.get", async () => {
      const row = await this.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRecord(row);
    });
  }

  list(opts: { instanceId?: string | null } = {}): Promise<WebhookRecord[]> {
    return guard("webhooks.list", async () => {
      let q = this.db.selectFrom("webhooks").selectAll();
      if (opts.instanceId === null) q = q.where("instance_id", "is", null);
      else if (opts.instanceId !== undefined) q = q.where("instance_id", "=", opts.instanceId);
      const rows = await q.orderBy("created_at", "asc").orderBy("id", "asc").execute();
      return rows.map(toRecord);
    });
  }

  update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | undefined> {
    return guard("webhooks.update", async () => {
      const row = await this.db
        .updateTable("webhooks")
        .set({ ...patchColumns(patch), updated_at: now })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    });
  }

  delete(id: string): Promise<boolean> {
    return guard("webhooks.delete", () =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom("webhook_attempts").where("webhook_id", "=", id).execute();
        await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
        const r = await trx.deleteFrom("webhooks").where("id", "=", id).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
    );
  }

  disable(id: string, reason: string, now: number, event: { envelope: EventEnvelope; instanceId: string | null }): Promise<StoredEvent | undefined> {
    return guard("webhooks.disable", () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable("webhooks")
          .set({ enabled: 0, disabled_at: now, disabled_reason: reason, updated_at: now })
          .where("id", "=", id)
          .where("enabled", "=", 1)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return undefined;
        const [stored] = await appendEvents(trx, this.kind, event.instanceId, [event.envelope], this.codec);
        return stored;
      }),
    );
  }

  readEvents(afterSeq: number, limit: number): Promise<OutboxEvent[]> {
    return guard("webhooks.readEvents", async () => {
      // Written out (the fan-out runs it on every wake-up): Kysely's builder costs more than the read.
      const ph = this.kind === "postgres" ? ["$1", "$2"] : ["?", "?"];
      const { rows } = await this.db.executeQuery<{ seq: number; id: string; instance_id: string | null; type: string; ts: number; envelope: string }>(
        CompiledQuery.raw(`select "seq", "id", "instance_id", "type", "ts", "envelope" from "events" where "seq" > ${ph[0]} order by "seq" asc limit ${ph[1]}`, [
          afterSeq,
          Math.min(Math.max(Math.floor(limit), 1), MAX_EVENT_PAGE),
        ]),
      );
      return rows.map((r) => ({ seq: Number(r.seq), id: r.id, instanceId: r.instance_id, type: r.type, ts: Number(r.ts), body: this.codec.body(r.type, r.envelope) }));
    });
  }

  findEvent(eventId: string): Promise<Omit<OutboxEvent, "body"> | undefined> {
    return guard("webhooks.findEvent", async () => {
      const r = await this.db.selectFrom("events").select(["seq", "id", "instance_id", "type", "ts"]).where("id", "=", eventId).executeTakeFirst();
      return r && { seq: Number(r.seq), id: r.id, instanceId: r.instance_id, type: r.type, ts: Number(r.ts) };
    });
  }

  findEventsByTime(q: { from: number; to: number; instanceId?: string; limit: number }): Promise<Array<Omit<OutboxEvent, "body">>> {
    return guard("webhooks.findEventsByTime", async () => {
      let query = this.db
        .selectFrom("events")
        .select(["seq", "id", "instance_id", "type", "ts"])
        .where("ts", ">=", q.from)
        .where("ts", "<", q.to);
      if (q.instanceId !== undefined) query = query.where("instance_id", "=", q.instanceId);
      const rows = await query.orderBy("seq", "asc").limit(Math.max(1, Math.floor(q.limit))).execute();
      return rows.map((r) => ({ seq: Number(r.seq), id: r.id, instanceId: r.instance_id, type: r.type, ts: Number(r.ts) }));
    });
  }

  writeBatch(batch: DeliveryBatch): Promise<void> {
    return guard("webhooks.writeBatch", () =>
      this.db.transaction().execute(async (trx) => {
        const ids = new Set<string>();
        for (const f of batch.fanOut) ids.add(f.webhookId);
        for (const u of batch.updates) ids.add(u.webhookId);
        for (const a of batch.attempts) ids.add(a.webhookId);
        for (const s of batch.streaks) ids.add(s.webhookId);
        if (ids.size === 0) return;
        const live = await this.liveIds(trx, [...ids]);
        // A delivered delivery is not stored: rows delivered before they were written are not
        // inserted, delivered ones are deleted (also a row stored meanwhile by a requeue).
        const delivered: Array<{ webhookId: string; eventSeq: number }> = [];
        const fanRows = batch.fanOut.filter((f) => live.has(f.webhookId)).flatMap((f) => f.rows);
        for (const r of fanRows) if (r.result?.state === "delivered") delivered.push(r);
        await this.insertDeliveries(trx, fanRows.filter((r) => r.result?.state !== "delivered"), batch.now);
        await this.setCursors(trx, batch.fanOut.filter((f) => live.has(f.webhookId)));
        const updates = batch.updates.filter((u) => live.has(u.webhookId));
        for (const u of updates) if (u.state === "delivered") delivered.push(u);
        await this.applyUpdates(trx, updates.filter((u) => u.state !== "delivered"), batch.now);
        await this.deleteDeliveries(trx, delivered);
        await this.insertAttempts(trx, batch.attempts.filter((a) => live.has(a.webhookId)));
        await this.setStreaks(trx, batch.streaks.filter((s) => live.has(s.webhookId)), batch.now);
      }),
    );
  }

  /**
   * The ids among `ids` that still exist. On Postgres the rows are share-locked until the end of the
   * transaction, so a concurrent delete or purge waits and cannot leave orphan rows behind.
   */
  private async liveIds(trx: Db, ids: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (const chunk of chunked("postgres", ids)) {
      const params: unknown[] = [];
      const ph = chunk.map((id) => {
        params.push(id);
        return this.kind === "postgres" ? `$${params.length}` : "?";
      });
      const q = `select "id" from "webhooks" where "id" in (${ph.join(", ")})${this.kind === "postgres" ? " for share" : ""}`;
      const { rows } = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(q, params));
      for (const r of rows) live.add(r.id);
    }
    return live;
  }

  private async insertDeliveries(trx: Db, rows: DeliveryBatch["fanOut"][number]["rows"], now: number): Promise<void> {
    for (const chunk of chunked(this.kind, rows)) {
      const t = tuples(this.kind, chunk, ["text", "bigint", "text", "text", "text", "integer", "bigint", "bigint"], (r) => [
        r.webhookId,
        r.eventSeq,
        r.eventId,
        r.instanceId,
        r.result?.state ?? "pending",
        r.result?.attempts ?? 0,
        r.result?.nextAttemptAt ?? now,
        now,
      ]);
      // Only for events still stored (an instance purge may have come meanwhile). A row already
      // stored (a fan-out redone after a restart) keeps its state, unless this one carries an attempt's result.
      await trx.executeQuery(
        CompiledQuery.raw(
          `insert into "webhook_deliveries" ("webhook_id", "event_seq", "event_id", "instance_id", "state", "attempts", "next_attempt_at", "updated_at") ` +
            `select v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8 from (values ${t.text}) as v ${EVENT_EXISTS} ` +
            `on conflict ("webhook_id", "event_seq") do update set "state" = excluded."state", "attempts" = excluded."attempts", "next_attempt_at" = excluded."next_attempt_at", "updated_at" = excluded."updated_at" where excluded."attempts" > 0`,
          t.params,
        ),
      );
    }
  }

  private async setCursors(trx: Db, fanOut: DeliveryBatch["fanOut"]): Promise<void> {
    const latest = new Map<string, number>();
    for (const f of fanOut) latest.set(f.webhookId, Math.max(latest.get(f.webhookId) ?? 0, f.cursor));
    for (const chunk of chunked(this.kind, [...latest])) {
      const t = tuples(this.kind, chunk, ["text", "bigint"], ([id, cursor]) => [id, cursor]);
      await trx.executeQuery(
        CompiledQuery.raw(
          `update "webhooks" set "cursor" = v.column2 from (values ${t.text}) as v where "webhooks"."id" = v.column1 and "webhooks"."cursor" < v.column2`,
          t.params,
        ),
      );
    }
  }

  private async applyUpdates(trx: Db, updates: readonly DeliveryUpdate[], now: number): Promise<void> {
    for (const chunk of chunked(this.kind, updates)) {
      const t = tuples(this.kind, chunk, ["text", "bigint", "text", "integer", "bigint", "bigint"], (u) => [u.webhookId, u.eventSeq, u.state, u.attempts, u.nextAttemptAt, now]);
      await trx.executeQuery(
        CompiledQuery.raw(
          `update "webhook_deliveries" set "state" = v.column3, "attempts" = v.column4, "next_attempt_at" = v.column5, "updated_at" = v.column6 from (values ${t.text}) as v where "webhook_deliveries"."webhook_id" = v.column1 and "webhook_deliveries"."event_seq" = v.column2`,
          t.params,
        ),
      );
    }
  }

  private async deleteDeliveries(trx: Db, keys: ReadonlyArray<{ webhookId: string; eventSeq: number }>): Promise<void> {
    for (const chunk of chunked(this.kind, keys)) {
      const t = tuples(this.kind, chunk, ["text", "bigint"], (k) => [k.webhookId, k.eventSeq]);
      await trx.executeQuery(CompiledQuery.raw(`delete from "webhook_deliveries" where ("webhook_id", "event_seq") in (values ${t.text})`, t.params));
    }
  }

  private async insertAttempts(trx: Db, attempts: DeliveryBatch["attempts"]): Promise<void> {
    for (const chunk of chunked(this.kind, attempts)) {
      const t = tuples(this.kind, chunk, ["text", "bigint", "text", "text", "integer", "bigint", "integer", "integer", "text", "integer"], (a) => [
        a.webhookId,
        a.eventSeq,
        a.eventId,
        a.instanceId,
        a.attempt,
        a.ts,
        a.statusCode,
        a.latencyMs,
        a.error,
        b(a.ok),
      ]);
      await trx.executeQuery(
        CompiledQuery.raw(
          `insert into "webhook_attempts" ("webhook_id", "event_seq", "event_id", "instance_id", "attempt", "ts", "status_code", "latency_ms", "error", "ok") ` +
            `select v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10 from (values ${t.text}) as v ${EVENT_EXISTS}`,
          t.params,
        ),
      );
    }
  }

  private async setStreaks(trx: Db, streaks: DeliveryBatch["streaks"], now: number): Promise<void> {
    const latest = new Map(streaks.map((s) => [s.webhookId, s]));
    for (const chunk of chunked(this.kind, [...latest.values()])) {
      const t = tuples(this.kind, chunk, ["text", "bigint", "integer", "bigint"], (s) => [s.webhookId, s.failingSince, s.failureCount, now]);
      await trx.executeQuery(
        CompiledQuery.raw(
          `update "webhooks" set "failing_since" = v.column2, "failure_count" = v.column3, "updated_at" = v.column4 from (values ${t.text}) as v where "webhooks"."id" = v.column1`,
          t.params,
        ),
      );
    }
  }

  pending(webhookId: string, q: { limit: number; afterSeq?: number; dueBy?: number; instanceId?: string | null }): Promise<PendingDelivery[]> {
    return guard("webhooks.pending", async () => {
      const limit = Math.max(1, Math.floor(q.limit));
      const out: PendingDelivery[] = [];
      let after = q.afterSeq ?? 0;
      for (;;) {
        let query = this.withEvents()
          .where("d.webhook_id", "=", webhookId)
          .where("d.state", "=", "pending")
          .where("d.event_seq", ">", after);
        if (q.dueBy !== undefined) query = query.where("d.next_attempt_at", "<=", q.dueBy);
        if (q.instanceId === null) query = query.where("d.instance_id", "is", null);
        else if (q.instanceId !== undefined) query = query.where("d.instance_id", "=", q.instanceId);
        const rows = await query.orderBy("d.event_seq", "asc").limit(limit - out.length).execute();
        const gone = await this.collect(webhookId, rows, out);
        const last = rows[rows.length - 1];
        if (gone === 0 || !last || out.length >= limit) return out;
        after = Number(last.event_seq);
      }
    });
  }

  heads(webhookId: string, limit: number): Promise<PendingDelivery[]> {
    return guard("webhooks.heads", async () => {
      for (;;) {
        const firsts = await this.db
          .selectFrom("webhook_deliveries")
          .select((eb) => eb.fn.min("event_seq").as("seq"))
          .where("webhook_id", "=", webhookId)
          .where("state", "=", "pending")
          .groupBy("instance_id")
          .execute();
        const seqs = firsts
          .map((r) => Number(r.seq))
          .sort((x, y) => x - y)
          .slice(0, Math.max(1, Math.floor(limit)));
        if (seqs.length === 0) return [];
        const out: PendingDelivery[] = [];
        let gone = 0;
        for (const chunk of chunked("postgres", seqs)) {
          const rows = await this.withEvents().where("d.webhook_id", "=", webhookId).where("d.event_seq", "in", chunk).orderBy("d.event_seq", "asc").execute();
          gone += await this.collect(webhookId, rows, out);
        }
        // A head whose event is gone was deleted; that instance's next delivery is its head now: look again.
        if (gone === 0) return out.sort((x, y) => x.eventSeq - y.eventSeq);
      }
    });
  }

  nextAttemptAt(webhookId: string, after: number): Promise<number | undefined> {
    return guard("webhooks.nextAttemptAt", async () => {
      const r = await this.db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.min("next_attempt_at").as("next"))
        .where("webhook_id", "=", webhookId)
        .where("state", "=", "pending")
        .where("next_attempt_at", ">", after)
        .executeTakeFirst();
      return r?.next === null || r?.next === undefined ? undefined : Number(r.next);
    });
  }

  /** Deliveries joined with their event (type and body null when the event is gone). */
  private withEvents() {
    return this.db
      .selectFrom("webhook_deliveries as d")
      .leftJoin("events as e", "e.seq", "d.event_seq")
      .select(["d.event_seq", "d.event_id", "d.instance_id", "d.attempts", "d.next_attempt_at", "e.type", "e.envelope"]);
  }

  /**
   * Appends the rows whose event still exists to `out` and deletes the deliveries of events that are
   * gone (retention, purge): those can never be sent. Returns how many were deleted.
   */
  private async collect(
    webhookId: string,
    rows: ReadonlyArray<{ event_seq: number; event_id: string; instance_id: string | null; attempts: number; next_attempt_at: number; type: string | null; envelope: string | null }>,
    out: PendingDelivery[],
  ): Promise<number> {
    const gone: number[] = [];
    for (const r of rows) {
      if (r.envelope === null || r.type === null) {
        gone.push(Number(r.event_seq));
        continue;
      }
      out.push({
        webhookId,
        eventSeq: Number(r.event_seq),
        eventId: r.event_id,
        instanceId: r.instance_id,
        type: r.type,
        attempts: Number(r.attempts),
        nextAttemptAt: Number(r.next_attempt_at),
        body: this.codec.body(r.type, r.envelope),
      });
    }
    if (gone.length > 0) await this.db.deleteFrom("webhook_deliveries").where("webhook_id", "=", webhookId).where("event_seq", "in", gone).execute();
    return gone.length;
  }

  requeue(rows: readonly DeliveryKey[], now: number): Promise<number> {
    return guard("webhooks.requeue", () =>
      this.db.transaction().execute(async (trx) => {
        for (const chunk of chunked(this.kind, rows)) {
          const t = tuples(this.kind, chunk, [], (r) => [r.webhookId, r.eventSeq, r.eventId, r.instanceId, "pending", 0, now, now]);
          await trx.executeQuery(
            CompiledQuery.raw(
              `insert into "webhook_deliveries" ("webhook_id", "event_seq", "event_id", "instance_id", "state", "attempts", "next_attempt_at", "updated_at") values ${t.text} ` +
                `on conflict ("webhook_id", "event_seq") do update set "state" = excluded."state", "attempts" = 0, "next_attempt_at" = excluded."next_attempt_at", "updated_at" = excluded."updated_at"`,
              t.params,
            ),
          );
        }
        return rows.length;
      }),
    );
  }

  expedite(webhookId: string, now: number): Promise<void> {
    return guard("webhooks.expedite", async () => {
      await this.db
        .updateTable("webhook_deliveries")
        .set({ next_attempt_at: now, updated_at: now })
        .where("webhook_id", "=", webhookId)
        .where("state", "=", "pending")
        .where("next_attempt_at", ">", now)
        .execute();
    });
  }

  attempts(webhookId: string, q: { limit: number; before?: number; eventId?: string }): Promise<AttemptRecord[]> {
    return guard("webhooks.attempts", async () => {
      let query = this.db.selectFrom("webhook_attempts").selectAll().where("webhook_id", "=", webhookId);
      if (q.before !== undefined) query = query.where("id", "<", q.before);
      if (q.eventId !== undefined) query = query.where("event_id", "=", q.eventId);
      const rows = await query
        .orderBy("id", "desc")
        .limit(Math.min(Math.max(Math.floor(q.limit), 1), 500))
        .execute();
      return rows.map((r) => ({
        id: Number(r.id),
        webhookId: r.webhook_id,
        eventSeq: Number(r.event_seq),
        eventId: r.event_id,
        instanceId: r.instance_id,
        attempt: Number(r.attempt),
        ts: Number(r.ts),
        statusCode: r.status_code === null ? null : Number(r.status_code),
        latencyMs: Number(r.latency_ms),
        error: r.error,
        ok: Number(r.ok) === 1,
      }));
    });
  }

  /**
   * The first attempt id with `ts >= before`, by binary search over ids (attempts are stored in the
   * order they end, so `ts` grows with `id` up to the length of an attempt): about 30 primary-key
   * lookups instead of an index on `ts` that every attempt would pay for.
   */
  private async attemptCutoff(before: number): Promise<number> {
    const bounds = await this.db
      .selectFrom("webhook_attempts")
      .select((eb) => [eb.fn.min("id").as("lo"), eb.fn.max("id").as("hi")])
      .executeTakeFirst();
    if (!bounds || bounds.lo === null || bounds.hi === null) return 0;
    let lo = Number(bounds.lo);
    let hi = Number(bounds.hi) + 1; // answer in [lo, hi]
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = await this.db.selectFrom("webhook_attempts").select(["id", "ts"]).where("id", ">=", mid).orderBy("id", "asc").limit(1).executeTakeFirst();
      if (!row || Number(row.ts) >= before) hi = mid;
      else lo = Number(row.id) + 1;
    }
    return lo;
  }

  prune(before: number, limit = 10_000): Promise<number> {
    return guard("webhooks.prune", async () => {
      const cutoffId = await this.attemptCutoff(before);
      const attempts = await this.db
        .deleteFrom("webhook_attempts")
        .where("id", "in", (qb) => qb.selectFrom("webhook_attempts").select("id").where("id", "<", cutoffId).orderBy("id", "asc").limit(limit))
        .executeTakeFirst();
      // Event retention deletes a seq prefix of the outbox: deliveries below the first remaining seq are of gone events.
      const first = await this.db.selectFrom("events").select((eb) => eb.fn.min("seq").as("seq")).executeTakeFirst();
      const cutoff = first?.seq === null || first?.seq === undefined ? Number.MAX_SAFE_INTEGER : Number(first.seq);
      let deliveries = 0;
      for (const { id } of await this.db.selectFrom("webhooks").select("id").execute()) {
        const r = await this.db.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).where("event_seq", "<", cutoff).executeTakeFirst();
        deliveries += Number(r.numDeletedRows);
      }
      return Number(attempts.numDeletedRows) + deliveries;
    });
  }
}
