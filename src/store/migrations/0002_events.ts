import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import type { MigrationDialect } from "./index.js";

/**
 * Stored events and connector state:
 * - `events`: every event a connector hands in (and the ones the gateway makes about messages), in
 *   arrival order (`seq`); `id` is unique, so a redelivered platform update is stored once;
 * - `connector_state`: small non-secret cursors of a connector (e.g. Telegram's update offset),
 *   written in the same transaction as the events they acknowledge.
 * Both reference `instances.id` and go with the instance.
 */
export function eventsMigration(d: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("events")
        .addColumn("seq", d.kind === "postgres" ? "bigserial" : "integer", (c) =>
          d.kind === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("instance_id", "text", (c) => c.notNull().references("instances.id").onDelete("cascade"))
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("envelope", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("events_instance_seq").on("events").columns(["instance_id", "seq"]).execute();

      await db.schema
        .createTable("connector_state")
        .addColumn("instance_id", "text", (c) => c.notNull().references("instances.id").onDelete("cascade"))
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("connector_state_pk", ["instance_id", "key"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("connector_state").execute();
      await db.schema.dropTable("events").execute();
    },
  };
}
