import { openPostgresStore } from "./postgres/index.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store } from "./types.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** The data directory (SQLite database and lock when no `databaseUrl`). */
  dataDir: string;
  /** A `postgres://` URL: use Postgres instead of SQLite. */
  databaseUrl?: string;
  /** Postgres schema (see `openPostgresStore`); ignored for SQLite. */
  databaseSchema?: string;
  /** Postgres: called when the single-owner lock is lost while open (see `openPostgresStore`). */
  onLockLost?: () => void;
}

/**
 * Opens the configured store and applies pending migrations: Postgres when `databaseUrl` is given,
 * else SQLite in `dataDir`. On a migration failure the store is closed again.
 * @throws `INVALID_STATE` (SQLite data directory used by another gateway), `VALIDATION_FAILED` (bad
 *   schema name), `STORAGE_FAILED`.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const store = opts.databaseUrl
    ? await openPostgresStore({ url: opts.databaseUrl, schema: opts.databaseSchema, onLockLost: opts.onLockLost })
    : await openSqliteStore({ dataDir: opts.dataDir });
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return store;
}
