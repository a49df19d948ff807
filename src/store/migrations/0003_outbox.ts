import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import type { MigrationDialect } from "./index.js";

/**
 * Makes `events` the outbox of every event, lifecycle ones included:
 * - `instance_id` loses its foreign key and becomes nullable, so an `instance.deleted` event outlives
 *   its instance and gateway-level events (no instance) fit;
 * - no index beyond `(instance_id, seq)` and the unique `id`: every index costs each inbound message
 *   an extra B-tree insert (bench/telegram). Type filters scan by `seq`; retention deletes a `seq`
 *   prefix (see `KyselyEventStore.prune`).
 * The table is rebuilt (SQLite cannot drop a foreign key in place); rows and their `seq` are kept.
 */
export function outboxMigration(d: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("events_new")
        .addColumn("seq", d.kind === "postgres" ? "bigserial" : "integer", (c) =>
          d.kind === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("instance_id", "text")
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("envelope", "text", (c) => c.notNull())
        .execute();
      await sql`insert into events_new (seq, id, instance_id, type, ts, envelope) select seq, id, instance_id, type, ts, envelope from events`.execute(db);
      if (d.kind === "postgres") {
        // Carry the sequence on past the copied rows, so seq keeps growing and is never reused.
        await sql`select setval(pg_get_serial_sequence('events_new', 'seq'), coalesce((select max(seq) from events_new), 0) + 1, false)`.execute(db);
      }
      await db.schema.dropTable("events").execute();
      await db.schema.alterTable("events_new").renameTo("events").execute();
      await db.schema.createIndex("events_instance_seq").on("events").columns(["instance_id", "seq"]).execute();
    },
    async down(): Promise<void> {
      // The foreign key is not put back: events of purged instances would violate it.
    },
  };
}
