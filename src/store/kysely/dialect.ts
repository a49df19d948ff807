import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * The few things that differ between SQLite and Postgres, behind one small object. Everything else
 * (queries, upserts via `ON CONFLICT`, `RETURNING`, transactions) is shared Kysely code.
 */
export interface DialectHooks {
  readonly kind: "sqlite" | "postgres";
  /** Column type of sealed secrets: `blob` (SQLite) or `bytea` (Postgres). */
  readonly blobType: "blob" | "bytea";
  /**
   * Schema holding Kysely's migration bookkeeping tables (Postgres), so that a table of the same name
   * in another schema is never mistaken for ours. Undefined on SQLite.
   */
  readonly migrationSchema: string | undefined;
  /** Runs before migrations (Postgres: `CREATE SCHEMA IF NOT EXISTS`). */
  prepareMigrations(db: Kysely<Database>): Promise<void>;
  /** True when `e` is a unique or primary-key violation raised by this engine. */
  isUniqueViolation(e: unknown): boolean;
  /**
   * Called after secret rows were deleted (wipe, purge), outside any transaction: makes the
   * deletion physical where the engine allows it. SQLite: `wal_checkpoint(TRUNCATE)` so no old page
   * stays in the WAL (secure_delete already zeroes freed content). Postgres: nothing (MVCC keeps dead
   * tuples until VACUUM; they only ever hold sealed ciphertext).
   * @throws when the engine could not make the deletion physical.
   */
  afterSecretsDeleted(db: Kysely<Database>): Promise<void>;
  /** Releases resources held besides the Kysely connection (SQLite: the data-dir lock). Idempotent. */
  release(): Promise<void>;
}
