import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import type { MigrationDialect } from "./index.js";

/**
 * Outbound webhooks (issue 4 §3):
 * - `webhooks`: subscriptions, per instance (`instance_id` references the instance and goes with it)
 *   or global (`instance_id` null); signing secrets and custom header values only as sealed blobs;
 *   `cursor` = the last event seq fanned out to the subscription;
 * - `webhook_deliveries`: the work left: one row per (subscription, event) not delivered yet
 *   (`pending`) or given up (`failed`), primary key `(webhook_id, event_seq)` (pending ones are read
 *   in seq order through it); a delivered one leaves the table;
 * - `webhook_attempts`: every HTTP attempt, listed newest first per subscription. Retention finds
 *   its cutoff by id (attempts are stored in time order), so `ts` needs no index.
 * Every index costs every delivery: these are the ones a query needs.
 * Deliveries and attempts carry the event's `instance_id`, so an instance purge removes them for
 * every subscription. They have no foreign keys (written in batches on the hot path; the dispatcher
 * drops rows of subscriptions deleted meanwhile).
 */
export function webhooksMigration(d: MigrationDialect): Migration {
  const serial = d.kind === "postgres" ? "bigserial" : "integer";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("webhooks")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("instance_id", "text", (c) => c.references("instances.id").onDelete("cascade"))
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("event_types", "text", (c) => c.notNull())
        .addColumn("headers_sealed", d.blobType)
        .addColumn("secret_sealed", d.blobType, (c) => c.notNull())
        .addColumn("previous_secret_sealed", d.blobType)
        .addColumn("previous_secret_expires_at", "bigint")
        .addColumn("ordered", "integer", (c) => c.notNull())
        .addColumn("max_concurrency", "integer", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("disabled_at", "bigint")
        .addColumn("disabled_reason", "text")
        .addColumn("cursor", "bigint", (c) => c.notNull())
        .addColumn("failing_since", "bigint")
        .addColumn("failure_count", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("webhooks_instance_id").on("webhooks").column("instance_id").execute();

      await db.schema
        .createTable("webhook_deliveries")
        .addColumn("webhook_id", "text", (c) => c.notNull())
        .addColumn("event_seq", "bigint", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("instance_id", "text")
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("webhook_deliveries_pk", ["webhook_id", "event_seq"])
        .execute();
      await db.schema.createIndex("webhook_deliveries_instance_id").on("webhook_deliveries").column("instance_id").execute();

      await db.schema
        .createTable("webhook_attempts")
        .addColumn("id", serial, (c) => (d.kind === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("webhook_id", "text", (c) => c.notNull())
        .addColumn("event_seq", "bigint", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("instance_id", "text")
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("status_code", "integer")
        .addColumn("latency_ms", "integer", (c) => c.notNull())
        .addColumn("error", "text")
        .addColumn("ok", "integer", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("webhook_attempts_webhook_id").on("webhook_attempts").columns(["webhook_id", "id"]).execute();
      await db.schema.createIndex("webhook_attempts_event_id").on("webhook_attempts").columns(["webhook_id", "event_id"]).execute();
      await db.schema.createIndex("webhook_attempts_instance_id").on("webhook_attempts").column("instance_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["webhook_attempts", "webhook_deliveries", "webhooks"]) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
