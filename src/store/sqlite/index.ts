import Sqlite from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { withStatementCache } from "./statement-cache.js";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { DialectHooks } from "../kysely/dialect.js";
import { engineCode, toStorageError } from "../kysely/errors.js";
import type { Database } from "../kysely/schema.js";
import { createKyselyStore } from "../kysely/store.js";
import type { Store } from "../types.js";
import { acquireDataDirLock, LOCK_FILE } from "./lock.js";

/** Name of the database file inside the data directory (plus its `-wal` and `-shm` companions). */
export const DB_FILE = "switchboard.db";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Directory holding `switchboard.db` and `gateway.lock`; created with mode 0700 when missing. */
  dataDir: string;
  /** How long a statement waits for a busy database, in ms (default 5000). */
  busyTimeoutMs?: number;
}

const CHECKPOINT_ATTEMPTS = 20;

/** SQLite's side of the shared Kysely store. */
function sqliteHooks(releaseLock: () => void): DialectHooks {
  return {
    kind: "sqlite",
    blobType: "blob",
    migrationSchema: undefined,
    prepareMigrations: async () => {},
    isUniqueViolation: (e) => {
      const code = engineCode(e);
      return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
    },
    // secure_delete=ON has zeroed the freed cells in the pages written to the WAL; a TRUNCATE
    // checkpoint copies them over the main file and empties the WAL, so no old page survives.
    afterSecretsDeleted: async (db) => {
      for (let attempt = 0; attempt < CHECKPOINT_ATTEMPTS; attempt++) {
        const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
        if (rows[0]?.busy === 0) return;
        await sleep(25);
      }
      throw new Error("the WAL checkpoint after deleting secrets could not complete");
    },
    release: async () => releaseLock(),
  };
}

/**
 * Opens (creating when missing) the SQLite store of a data directory: `<dataDir>/switchboard.db`
 * (mode 0600) in WAL mode with `synchronous=NORMAL`, `foreign_keys=ON`, `secure_delete=ON` and a busy
 * timeout. Takes the data directory's single-owner lock first (see `acquireDataDirLock`) and holds it
 * until `close()`. Does not migrate: call `store.migrate()` (or use `openStore`).
 * @throws `INVALID_STATE` when another gateway (process or store) uses the directory;
 *   `STORAGE_FAILED` when the directory or database cannot be opened.
 */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  const dataDir = resolve(opts.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw toStorageError(`opening the data directory ${dataDir}`, e);
  }
  const lock = acquireDataDirLock(dataDir, join(dataDir, LOCK_FILE));
  let raw: Sqlite.Database | undefined;
  try {
    const file = join(dataDir, DB_FILE);
    closeSync(openSync(file, "a", 0o600)); // SQLite gives -wal/-shm the main file's mode.
    raw = new Sqlite(file, { timeout: opts.busyTimeoutMs ?? 5000 });
    const mode = raw.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, expected wal`);
    raw.pragma("synchronous = NORMAL");
    raw.pragma("foreign_keys = ON");
    raw.pragma("secure_delete = ON");
    raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
    return createKyselyStore(db, sqliteHooks(() => lock.release()));
  } catch (e) {
    raw?.close();
    lock.release();
    throw toStorageError("opening the SQLite database", e);
  }
}
