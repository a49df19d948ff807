import type Sqlite from "better-sqlite3";

/**
 * The better-sqlite3 database as Kysely's SQLite driver sees it, with `prepare` cached by SQL text.
 * Kysely prepares every query anew, which cost more than running it (bench/telegram); the store's
 * queries are a small fixed set of texts, so each is prepared once.
 *
 * Contract: the store runs queries only through Kysely's connection mutex (one at a time) and never
 * streams (`stmt.iterate`), so a cached statement is never in use twice. At most `max` texts are
 * kept; the oldest is dropped past that.
 */
export function withStatementCache(db: Sqlite.Database, max = 256): Sqlite.Database {
  const cache = new Map<string, Sqlite.Statement>();
  const prepare = (source: string): Sqlite.Statement => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = db.prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare") return prepare;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
