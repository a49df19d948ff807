import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import type { MigrationDialect } from "./index.js";

/**
 * The initial schema, identical in meaning on SQLite and Postgres:
 * - `instances` (name unique; binary collation on Postgres so ordering matches SQLite's),
 * - `secrets`, `tokens`, `status_history`, `idempotency_keys`, each row of an instance referencing
 *   `instances.id` with `ON DELETE CASCADE` (purge also deletes them explicitly, in one transaction).
 * Timestamps are `bigint` epoch milliseconds.
 */
export function initialMigration(d: MigrationDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const nameType = d.kind === "postgres" ? sql`text collate "C"` : sql`text`;

      await db.schema
        .createTable("instances")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", nameType, (c) => c.notNull().unique())
        .addColumn("platform", "text", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("metadata", "text", (c) => c.notNull())
        .addColumn("desired", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("logout_intent", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("instances_platform_name").on("instances").columns(["platform", "name"]).execute();

      await db.schema
        .createTable("secrets")
        .addColumn("instance_id", "text", (c) => c.notNull().references("instances.id").onDelete("cascade"))
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("sealed", d.blobType, (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("secrets_pk", ["instance_id", "key"])
        .execute();

      await db.schema
        .createTable("tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("instance_id", "text", (c) => c.references("instances.id").onDelete("cascade"))
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("tokens_instance_id").on("tokens").column("instance_id").execute();
      await db.schema.createIndex("tokens_scope").on("tokens").column("scope").execute();

      await db.schema
        .createTable("status_history")
        .addColumn("id", d.kind === "postgres" ? "bigserial" : "integer", (c) =>
          d.kind === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("instance_id", "text", (c) => c.notNull().references("instances.id").onDelete("cascade"))
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("from_state", "text", (c) => c.notNull())
        .addColumn("to_state", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("status_history_instance_id")
        .on("status_history")
        .columns(["instance_id", "id"])
        .execute();

      await db.schema
        .createTable("idempotency_keys")
        .addColumn("token_id", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("fingerprint", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("status_code", "integer")
        .addColumn("body", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("instance_id", "text", (c) => c.references("instances.id").onDelete("cascade"))
        .addPrimaryKeyConstraint("idempotency_keys_pk", ["token_id", "key"])
        .execute();
      await db.schema.createIndex("idempotency_keys_created_at").on("idempotency_keys").column("created_at").execute();
      await db.schema.createIndex("idempotency_keys_instance_id").on("idempotency_keys").column("instance_id").execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["idempotency_keys", "status_history", "tokens", "secrets", "instances"]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
