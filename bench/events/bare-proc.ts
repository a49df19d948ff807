/**
 * The baseline of bench/events: the same work as the gateway's path from `host.receive` to the
 * receiver, done by hand in as little code as it takes, so that the gateway's figure is a ratio
 * measured in the same run on the same machine.
 *
 * Per batch: the events' envelopes (the gateway's shape: `{id, type, instance, platform, ts,
 * metadata, data}`) and the connector cursor are written in one transaction — with better-sqlite3
 * (WAL, `synchronous=NORMAL`, the gateway's pragmas) into the gateway's `events` table layout
 * (`seq` primary key, unique `id`, `(instance_id, seq)` index), or with `pg` into the same table on
 * Postgres. Then each event is signed (Standard Webhooks: HMAC-SHA256 of `id.timestamp.body` with
 * node:crypto) and POSTed with undici (one keep-alive pool of `maxConcurrency` connections, at most
 * that many requests in flight) to the same receiver process. Nothing else: no fan-out over
 * subscriptions, no delivery or attempt rows, no retries, no bus, no live stream, no REST API.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { Pool } from "undici";
import { serve } from "../telegram/ipc.js";
import { emitLoop, now } from "./emit-loop.js";


interface Store {
  /** Stores the batch's rows and the cursor in one transaction. */
  write(rows: ReadonlyArray<[id: string, ts: number, envelope: string]>, cursor: number): Promise<void>;
  close(): Promise<void>;
}

function sqliteStore(dir: string): Store {
  const db = new Database(join(dir, "bare.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`create table events (seq integer primary key autoincrement, id text not null unique, instance_id text, type text not null, ts bigint not null, envelope text not null);
    create index events_instance_seq on events (instance_id, seq);
    create table connector_state (instance_id text not null, key text not null, value text not null, primary key (instance_id, key));`);
  const insert = db.prepare("insert into events (id, instance_id, type, ts, envelope) values (?, 'bare', 'message.received', ?, ?) on conflict (id) do nothing");
  const state = db.prepare("insert into connector_state (instance_id, key, value) values ('bare', 'cursor', ?) on conflict (instance_id, key) do update set value = excluded.value");
  const tx = db.transaction((rows: ReadonlyArray<[string, number, string]>, cursor: number) => {
    for (const [id, ts, envelope] of rows) insert.run(id, ts, envelope);
    state.run(String(cursor));
  });
  return {
    write: async (rows, cursor) => {
      tx(rows, cursor);
    },
    close: async () => {
      db.close();
    },
  };
}

async function postgresStore(url: string): Promise<Store> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create table events (seq bigserial primary key, id text not null unique, instance_id text, type text not null, ts bigint not null, envelope text not null);
    create index events_instance_seq on events (instance_id, seq);
    create table connector_state (instance_id text not null, key text not null, value text not null, primary key (instance_id, key));`);
  return {
    write: async (rows, cursor) => {
      const params: unknown[] = [];
      const tuples = rows.map(([id, ts, envelope]) => {
        params.push(id, ts, envelope);
        const n = params.length;
        return `($${n - 2}, 'bare', 'message.received', $${n - 1}, $${n})`;
      });
      await client.query("begin");
      await client.query(`insert into events (id, instance_id, type, ts, envelope) values ${tuples.join(", ")} on conflict (id) do nothing`, params);
      params.length = 0;
      await client.query(
        "insert into connector_state (instance_id, key, value) values ('bare', 'cursor', $1) on conflict (instance_id, key) do update set value = excluded.value",
        [String(cursor)],
      );
      await client.query("commit");
    },
    close: () => client.end(),
  };
}

let store: Store | null = null;
let dataDir: string | null = null;
let pool: Pool | null = null;
let path = "/";
let seq = 0;
const key = randomBytes(32);
const queue: Array<{ id: string; body: string }> = [];
let inFlight = 0;
let maxInFlight = 8;
let failures = 0;

/** Sends queued deliveries, at most `maxInFlight` at a time. */
function pump(): void {
  while (inFlight < maxInFlight && queue.length > 0) {
    const d = queue.shift()!;
    inFlight++;
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v1,${createHmac("sha256", key).update(`${d.id}.${ts}.${d.body}`).digest("base64")}`;
    pool!
      .request({
        path,
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": d.id, "webhook-timestamp": String(ts), "webhook-signature": signature },
        body: d.body,
      })
      .then(
        async (res) => {
          await res.body.dump();
          if (res.statusCode >= 300) failures++;
        },
        () => {
          failures++;
        },
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  }
}

serve(
  {
    start: async ({ databaseUrl, receiverUrl, maxConcurrency }: { databaseUrl?: string; receiverUrl: string; maxConcurrency: number }) => {
      if (databaseUrl) {
        store = await postgresStore(databaseUrl);
      } else {
        dataDir = mkdtempSync(join(tmpdir(), "sb-bench-bare-"));
        store = sqliteStore(dataDir);
      }
      const u = new URL(receiverUrl);
      path = u.pathname;
      maxInFlight = maxConcurrency;
      pool = new Pool(u.origin, { connections: maxConcurrency, keepAliveTimeout: 30_000 });
      return { store: databaseUrl ? "postgres" : "sqlite" };
    },
    /** CPU time of this process so far (user + system), µs. */
    cpu: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    /** As the gateway process's `run`: `count` events at `rate` per second, each batch stored, then signed and sent. */
    run: async ({ rate, count, batchMax }: { rate: number; count: number; batchMax: number }) => {
      const s = store;
      if (!s) throw new Error("not started");
      const r = await emitLoop(rate, count, batchMax, async (n) => {
        const body = String(now());
        const rows: Array<[string, number, string]> = [];
        const out: Array<{ id: string; body: string }> = [];
        for (let i = 0; i < n; i++) {
          const seqNo = ++seq;
          const id = `bench:bare:${seqNo}`;
          const ts = Date.now();
          const envelope = JSON.stringify({
            id,
            type: "message.received",
            instance: "bare",
            platform: "bench",
            ts,
            metadata: {},
            data: { threadId: "t1", senderId: "u1", body, messageId: String(seqNo), timestamp: ts },
          });
          rows.push([id, ts, envelope]);
          out.push({ id, body: envelope });
        }
        await s.write(rows, seq);
        queue.push(...out);
        pump();
      });
      return { ...r, failures };
    },
  },
  async () => {
    await pool?.close();
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
