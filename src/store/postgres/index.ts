import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { err, isSwitchboardError } from "../../core/errors.js";
import type { DialectHooks } from "../kysely/dialect.js";
import { engineCode, toStorageError } from "../kysely/errors.js";
import type { Database } from "../kysely/schema.js";
import { createKyselyStore } from "../kysely/store.js";
import type { Store } from "../types.js";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db?...`. Never echoed in errors (it may hold a password). */
  url: string;
  /**
   * Schema for every table, set as the connections' `search_path` (created on `migrate()` when
   * missing). Lower-case identifier `^[a-z_][a-z0-9_]{0,62}$`. Default: the server's search_path.
   * A URL whose `options` parameter overrides it is refused (pg lets URL parameters win).
   */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /**
   * Called once when the single-owner lock is lost while the store is open (its connection failed or
   * was terminated): another gateway may now take the schema, so the caller must stop.
   */
  onLockLost?: () => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Type parsers of this pool only (not pg's global registry): `int8`/`bigint` (epoch-ms columns,
 * `count(*)`) become JS numbers instead of strings. Values beyond 2^53 would lose precision; the
 * store keeps none.
 */
const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * Takes the single-owner lock of a database schema: a session-level advisory lock held on a
 * dedicated connection for the store's life. Postgres releases it when that connection ends, so a
 * killed gateway never leaves a stale lock. Until leases and fencing land (the cluster release), one
 * gateway per database schema is the rule, as for a SQLite data directory.
 * @throws `INVALID_STATE` when another gateway holds it.
 */
async function acquireSchemaLock(url: string, schema: string, onLost: () => void): Promise<{ client: pg.Client; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  let released = false;
  let lost = false;
  const lose = (): void => {
    if (released || lost) return;
    lost = true;
    onLost();
  };
  client.on("error", lose);
  client.on("end", lose);
  await client.connect();
  const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [`switchboard:${schema}`]);
  if (rows[0]?.ok !== true) {
    released = true;
    await client.end().catch(() => {});
    throw err("INVALID_STATE", {
      message: `Another Switchboard gateway is already using this database (schema "${schema}"). Stop it first, or use another database or schema.`,
    });
  }
  return {
    client,
    release: async () => {
      released = true;
      await client.end().catch(() => {});
    },
  };
}

/** Postgres's side of the shared Kysely store. */
function postgresHooks(schema: string | undefined, migrationSchema: string, lock: { release(): Promise<void> }): DialectHooks {
  return {
    kind: "postgres",
    blobType: "bytea",
    migrationSchema,
    prepareMigrations: async (db) => {
      if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    },
    isUniqueViolation: (e) => engineCode(e) === "23505",
    afterSecretsDeleted: async () => {},
    release: () => lock.release(),
  };
}

/**
 * Opens a Postgres store over a `pg` pool, checks that the server answers and takes the schema's
 * single-owner lock. Does not migrate: call `store.migrate()` (or use `openStore`).
 * @throws `INVALID_STATE` when another gateway uses the same database schema;
 *   `VALIDATION_FAILED` for a bad `schema` name or a URL that overrides it; `STORAGE_FAILED`
 *   when the server cannot be reached (the message never contains the URL).
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const { schema } = opts;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw err("VALIDATION_FAILED", { message: `Invalid Postgres schema name "${schema}".`, details: { schema } });
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    types: poolTypes,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server surfaces as a failed query later, not as a crash.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    let migrationSchema = schema;
    if (migrationSchema === undefined) {
      const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
      migrationSchema = rows[0]?.s ?? "public";
    } else {
      const { rows } = await sql<{ p: string }>`select current_setting('search_path') as p`.execute(db);
      if (rows[0]?.p !== schema) {
        throw err("VALIDATION_FAILED", {
          message: `The database URL sets its own search_path; remove its "options" parameter to use the schema "${schema}".`,
        });
      }
    }
    const lock = await acquireSchemaLock(opts.url, migrationSchema, opts.onLockLost ?? (() => {}));
    return createKyselyStore(db, postgresHooks(schema, migrationSchema, lock));
  } catch (e) {
    await db.destroy().catch(() => {});
    if (isSwitchboardError(e)) throw e;
    throw toStorageError("connecting to Postgres", e);
  }
}
