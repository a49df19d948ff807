import { sql, type Kysely } from "kysely";
import type { EventEnvelope } from "../../events/types.js";
import { MAX_EVENT_PAGE, type EventQuery, type EventStore, type StoredEvent } from "../types.js";
import { err } from "../../core/errors.js";
import { guard } from "./errors.js";
import { EventCodec, SECRET_EVENT_TYPES } from "./event-codec.js";
import { appendEvents } from "./outbox.js";
import type { Database } from "./schema.js";

/** Default batch of {@link KyselyEventStore.prune}. */
const PRUNE_BATCH = 5000;

function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.floor(limit) || 1, 1), MAX_EVENT_PAGE);
}


/** {@link EventStore} over Kysely, the same SQL on SQLite and Postgres. */
/** Events a message lookup reads at most: the message, and the newer ones that quote it. */
const FIND_MESSAGE_CANDIDATES = 100;

export class KyselyEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: "sqlite" | "postgres",
    private readonly codec: EventCodec,
  ) {}

  private toStored = (r: { seq: number; envelope: string }): StoredEvent => ({ seq: Number(r.seq), envelope: this.codec.decode(r.envelope) });

  append(instanceId: string | null, events: readonly EventEnvelope[], state: Readonly<Record<string, unknown>> = {}): Promise<StoredEvent[]> {
    if (instanceId === null && Object.keys(state).length > 0) {
      return Promise.reject(err("VALIDATION_FAILED", { message: "Connector state belongs to an instance." }));
    }
    return guard("events.append", () =>
      this.db.transaction().execute(async (trx) => {
        const stored = await appendEvents(trx, this.kind, instanceId, events, this.codec);
        for (const [key, value] of Object.entries(state)) {
          if (instanceId === null) break;
          await trx
            .insertInto("connector_state")
            .values({ instance_id: instanceId, key, value: JSON.stringify(value) })
            .onConflict((oc) => oc.columns(["instance_id", "key"]).doUpdateSet({ value: JSON.stringify(value) }))
            .execute();
        }
        return stored;
      }),
    );
  }

  list(instanceId: string, opts: { afterSeq?: number; limit: number }): Promise<StoredEvent[]> {
    return this.query({ instanceId, ...opts });
  }

  query(q: EventQuery): Promise<StoredEvent[]> {
    return guard("events.query", async () => {
      let s = this.db
        .selectFrom("events")
        .select(["seq", "envelope"])
        .where("seq", ">", q.afterSeq ?? 0);
      if (q.instanceId !== undefined) s = s.where("instance_id", "=", q.instanceId);
      if (q.types !== undefined && q.types.length > 0) s = s.where("type", "in", [...q.types]);
      if (q.newest === true) {
        const rows = await s.orderBy("seq", "desc").limit(clampLimit(q.limit)).execute();
        return rows.reverse().map(this.toStored);
      }
      const rows = await s.orderBy("seq", "asc").limit(clampLimit(q.limit)).execute();
      return rows.map(this.toStored);
    });
  }

  findMessage(instanceId: string, type: "message.sent" | "message.received", messageId: string): Promise<StoredEvent | undefined> {
    return guard("events.findMessage", async () => {
      // `messageId` is JSON-encoded as the envelope has it; LIKE's wildcards in it are escaped. The
      // LIKE also matches a message that quotes this one (`replyTo.messageId`), so the candidates
      // (newest first) are checked field by field.
      const needle = `%"messageId":${JSON.stringify(messageId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await this.db
        .selectFrom("events")
        .select(["seq", "envelope"])
        .where("instance_id", "=", instanceId)
        .where("type", "=", type)
        .where(sql<boolean>`envelope like ${needle} escape '\\'`)
        .orderBy("seq", "desc")
        .limit(FIND_MESSAGE_CANDIDATES)
        .execute();
      return rows.map(this.toStored).find((e) => (e.envelope.data as { messageId?: unknown }).messageId === messageId);
    });
  }

  locate(eventId: string): Promise<{ seq: number; instanceId: string | null } | undefined> {
    return guard("events.locate", async () => {
      const row = await this.db.selectFrom("events").select(["seq", "instance_id"]).where("id", "=", eventId).executeTakeFirst();
      return row && { seq: Number(row.seq), instanceId: row.instance_id };
    });
  }

  lastSeq(): Promise<number> {
    return guard("events.lastSeq", async () => {
      const row = await this.db
        .selectFrom("events")
        .select(sql<number | null>`max(seq)`.as("last"))
        .executeTakeFirst();
      return Number(row?.last ?? 0);
    });
  }

  /**
   * Deletes the oldest events up to the first one dated at or after `before`: a `seq` prefix, found
   * by walking the primary key from the start (it stops at the first young event, so it reads only
   * what it deletes) and deleted by primary-key range — no index on `ts` is kept for it. An old
   * event stored after a young one waits until that one expires too.
   */
  prune(before: number, limit = PRUNE_BATCH): Promise<number> {
    return guard("events.prune", async () => {
      const batch = Math.max(1, Math.floor(limit));
      const rows = await this.db.selectFrom("events").select(["seq", "ts"]).orderBy("seq", "asc").limit(batch).execute();
      let last: number | undefined;
      for (const r of rows) {
        if (Number(r.ts) >= before) break;
        last = Number(r.seq);
      }
      if (last === undefined) return 0;
      const r = await this.db.deleteFrom("events").where("seq", "<=", last).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  dropSecrets(q: { instanceId?: string; type?: string; beforeSeq?: number; expiredBefore?: number } = {}): Promise<number> {
    return guard("events.dropSecrets", async () => {
      let s = this.db
        .selectFrom("events")
        .select(["seq", "envelope"])
        .where("type", "in", q.type !== undefined ? [q.type] : [...SECRET_EVENT_TYPES])
        .where((eb) => eb.or(EventCodec.SECRET_PATTERNS.map((p) => eb("envelope", "like", p))));
      if (q.instanceId !== undefined) s = s.where("instance_id", "=", q.instanceId);
      if (q.beforeSeq !== undefined) s = s.where("seq", "<", q.beforeSeq);
      let dropped = 0;
      for (const r of await s.execute()) {
        if (q.expiredBefore !== undefined) {
          const exp = EventCodec.expiresAt(r.envelope);
          if (exp === null || exp > q.expiredBefore) continue;
        }
        const text = EventCodec.withoutSecret(r.envelope);
        if (text === null) continue;
        await this.db.updateTable("events").set({ envelope: text }).where("seq", "=", r.seq).execute();
        dropped++;
      }
      return dropped;
    });
  }

  state(instanceId: string): Promise<Record<string, unknown>> {
    return guard("events.state", async () => {
      const rows = await this.db.selectFrom("connector_state").select(["key", "value"]).where("instance_id", "=", instanceId).execute();
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    });
  }

  clearState(instanceId: string): Promise<void> {
    return guard("events.clearState", async () => {
      await this.db.deleteFrom("connector_state").where("instance_id", "=", instanceId).execute();
    });
  }
}
