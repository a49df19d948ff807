import Sqlite from "better-sqlite3";
import { closeSync, openSync } from "node:fs";
import { err } from "../../core/errors.js";
import { engineCode } from "../kysely/errors.js";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = "gateway.lock";

/** A held data-directory lock. */
export interface DataDirLock {
  /** Absolute or caller-relative path of the lock file. */
  readonly file: string;
  /** Releases the lock. Idempotent. */
  release(): void;
}

/**
 * Takes the single-owner lock of a data directory: `lockFile` is opened as a SQLite database with
 * `locking_mode=EXCLUSIVE` and a `BEGIN EXCLUSIVE` transaction that stays open until `release()`.
 * The lock is an OS file lock held by this process, so it dies with the process (even on SIGKILL):
 * it can never go stale. It excludes other processes and other connections of this process alike.
 *
 * Creates the lock file with mode 0600 when missing.
 * @throws `INVALID_STATE` when another gateway holds the lock (message names `dataDir` and the file);
 *   `STORAGE_FAILED` when the lock file cannot be opened.
 */
export function acquireDataDirLock(dataDir: string, lockFile: string): DataDirLock {
  let db: Sqlite.Database | undefined;
  try {
    closeSync(openSync(lockFile, "a", 0o600));
    db = new Sqlite(lockFile, { timeout: 0 });
    db.pragma("journal_mode = DELETE");
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    db?.close();
    const code = engineCode(e);
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      throw err("INVALID_STATE", {
        message:
          `Another Switchboard gateway is already using the data directory ${dataDir} (lock: ${lockFile}). ` +
          "Stop it first, or start this one with another --data directory.",
        details: { dataDir, lockFile },
        cause: e,
      });
    }
    throw err("STORAGE_FAILED", {
      message: `Could not open the data directory lock ${lockFile}${code ? ` (${code})` : ""}.`,
      cause: e,
    });
  }
  const held = db;
  let released = false;
  return {
    file: lockFile,
    release(): void {
      if (released) return;
      released = true;
      try {
        held.exec("ROLLBACK");
      } finally {
        held.close();
      }
    },
  };
}
