/**
 * `node dist-bench/bench/telegram/append-variants.js` (after `tsc -p bench/tsconfig.json`; not part
 * of `npm run bench:telegram`) — what storing one `message.received` event with its offset costs,
 * in µs per event, for `events.append` as it is and for the alternatives suggested in
 * docs/benchmarks.md. 100-event batches with `{offset}`, like the Telegram poller; the real schema
 * (migrations) and pragmas (`openStore`), a fresh data directory per variant; 50 warm-up batches,
 * then BENCH_BATCHES (default 400) measured. The variants other than "as is" write through a second
 * connection to the same database, with the same per-connection pragmas.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { Kysely, SqliteDialect, type SqliteDatabase } from "kysely";
import type { EventEnvelope } from "../../src/events/types.js";
import { KyselyEventStore } from "../../src/store/kysely/events.js";
import type { Database } from "../../src/store/kysely/schema.js";
import { openStore } from "../../src/store/open.js";
import { DB_FILE } from "../../src/store/sqlite/index.js";

const BATCHES = Number(process.env["BENCH_BATCHES"] ?? 400);
const WARMUP = 50;
const BATCH = 100;

type Append = (instanceId: string, events: EventEnvelope[], state: Record<string, unknown>) => Promise<unknown>;

let seq = 0;
function envelope(): EventEnvelope {
  const i = ++seq;
  const now = Date.now();
  return {
    id: `tg:7000000001:${i}`,
    type: "message.received",
    instance: "b",
    platform: "telegram",
    metadata: {},
    ts: now,
    data: { threadId: "100000001", senderId: "100000001", body: `bench message ${i}`, messageId: String(i), timestamp: now },
  } as EventEnvelope;
}

const opened: Sqlite.Database[] = [];

/** A second connection to the store's database, with the per-connection pragmas of openSqliteStore. */
function rawConnection(dataDir: string): Sqlite.Database {
  const raw = new Sqlite(join(dataDir, DB_FILE), { timeout: 5000 });
  opened.push(raw);
  raw.pragma("synchronous = NORMAL");
  raw.pragma("foreign_keys = ON");
  raw.pragma("secure_delete = ON");
  return raw;
}

/** better-sqlite3 under Kysely, memoizing `prepare(sql)` (Kysely's driver prepares every query anew). */
function cachingDatabase(raw: Sqlite.Database): SqliteDatabase {
  const cache = new Map<string, Sqlite.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase["prepare"]>;
    },
    close: () => raw.close(),
  };
}

/** One multi-row insert per batch, then the state upsert, in one transaction. */
function multiRow(db: Kysely<Database>): Append {
  return (instanceId, events, state) =>
    db.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto("events")
        .values(events.map((e) => ({ id: e.id, instance_id: instanceId, type: e.type, ts: e.ts, envelope: JSON.stringify(e) })))
        .onConflict((oc) => oc.column("id").doNothing())
        .returning(["id", "seq"])
        .execute();
      for (const [key, value] of Object.entries(state)) {
        await trx
          .insertInto("connector_state")
          .values({ instance_id: instanceId, key, value: JSON.stringify(value) })
          .onConflict((oc) => oc.columns(["instance_id", "key"]).doUpdateSet({ value: JSON.stringify(value) }))
          .execute();
      }
      return rows;
    });
}

/** Raw better-sqlite3: one prepared statement per row, in a transaction (the floor for this schema). */
function rawPerRow(raw: Sqlite.Database): Append {
  const insert = raw.prepare("insert into events (id, instance_id, type, ts, envelope) values (?, ?, ?, ?, ?) on conflict (id) do nothing returning seq");
  const upsert = raw.prepare("insert into connector_state (instance_id, key, value) values (?, ?, ?) on conflict (instance_id, key) do update set value = excluded.value");
  const tx = raw.transaction((instanceId: string, events: EventEnvelope[], state: Record<string, unknown>) => {
    const stored: unknown[] = [];
    for (const e of events) {
      const row = insert.get(e.id, instanceId, e.type, e.ts, JSON.stringify(e));
      if (row) stored.push(row);
    }
    for (const [key, value] of Object.entries(state)) upsert.run(instanceId, key, JSON.stringify(value));
    return stored;
  });
  return async (instanceId, events, state) => tx(instanceId, events, state);
}

const variants: Array<[string, (dataDir: string, storeAppend: Append) => Append]> = [
  ["as is (one Kysely INSERT … RETURNING per event)", (_dir, storeAppend) => storeAppend],
  ["as is + prepared-statement cache", (dir) => { const s = new KyselyEventStore(new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(rawConnection(dir)) }) })); return (id, ev, st) => s.append(id, ev, st); }],
  ["one multi-row Kysely insert per batch", (dir) => multiRow(new Kysely<Database>({ dialect: new SqliteDialect({ database: rawConnection(dir) }) }))],
  ["multi-row insert + statement cache", (dir) => multiRow(new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(rawConnection(dir)) }) }))],
  ["raw better-sqlite3, prepared, row by row", (dir) => rawPerRow(rawConnection(dir))],
];

const results: Record<string, number> = {};
for (const [name, make] of variants) {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-bench-append-"));
  const store = await openStore({ dataDir });
  try {
    const id = randomUUID();
    await store.instances.create({
      id, name: "b", platform: "telegram", config: {}, metadata: {}, desired: "running", status: { state: "stopped" }, logoutIntent: null, createdAt: Date.now(),
    });
    const append = make(dataDir, (i, ev, st) => store.events.append(i, ev, st));
    const batch = (): EventEnvelope[] => Array.from({ length: BATCH }, envelope);
    for (let b = 0; b < WARMUP; b++) await append(id, batch(), { offset: seq + 1 });
    const t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) await append(id, batch(), { offset: seq + 1 });
    results[name] = Number((((performance.now() - t0) * 1000) / (BATCHES * BATCH)).toFixed(1));
  } finally {
    for (const raw of opened.splice(0)) if (raw.open) raw.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ unit: "µs per event", batch: BATCH, batches: BATCHES, node: process.version, results }, null, 2));
