import type { Kysely } from "kysely";
import { Migrator, type Migration, type MigrationProvider } from "kysely/migration";
import { initialMigration } from "./0001_initial.js";
import { eventsMigration } from "./0002_events.js";
import { outboxMigration } from "./0003_outbox.js";
import { webhooksMigration } from "./0004_webhooks.js";

/** What a migration needs to know about the engine it runs on. */
export interface MigrationDialect {
  kind: "sqlite" | "postgres";
  /** Column type for binary data. */
  blobType: "blob" | "bytea";
}

/** Name of the table where applied migrations are recorded (its lock table gets a `_lock` suffix). */
export const MIGRATION_TABLE = "switchboard_migrations";

/**
 * Every migration, by name (applied in name order). A static object rather than a folder scan, so
 * it works alike from `dist/` and under tsx.
 */
export function migrations(d: MigrationDialect): Record<string, Migration> {
  return {
    "0001_initial": initialMigration(d),
    "0002_events": eventsMigration(d),
    "0003_outbox": outboxMigration(d),
    "0004_webhooks": webhooksMigration(d),
  };
}

/** A Kysely {@link MigrationProvider} over {@link migrations}. */
export function migrationProvider(d: MigrationDialect): MigrationProvider {
  return { getMigrations: async () => migrations(d) };
}

/**
 * Applies pending migrations. Idempotent; concurrent callers are serialised by Kysely's migration
 * lock (a lock-table row on SQLite, an advisory lock on Postgres).
 * @param opts.schema the schema holding the bookkeeping tables (Postgres); undefined on SQLite.
 * @throws the first migration error (callers wrap it as `STORAGE_FAILED`).
 */
export async function runMigrations(db: Kysely<unknown>, d: MigrationDialect, opts: { schema?: string } = {}): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(d),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
    migrationTableSchema: opts.schema,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
