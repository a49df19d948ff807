/**
 * `node dist-bench/bench/telegram/store-floor.js` (after `tsc -p bench/tsconfig.json`) — what storing
 * one Telegram update costs, in one process, as µs per update (docs/benchmarks.md, "bench/telegram",
 * "Where the rest goes"):
 *
 * - "store": the gateway's own path, `store.events.append(instanceId, envelopes, {offset, server})`
 *   of the SQLite store (Kysely over better-sqlite3), one call per batch of 100;
 * - "raw": the same statements sent straight to better-sqlite3 in one synchronous transaction per
 *   batch (the floor for this schema without Kysely), and three variants of it: WAL auto-checkpoint
 *   off, no `RETURNING`, both; and "raw" with random `evt_<uuid>` ids (the core's own ids) instead of
 *   the connector's `tg:<bot>:<update_id>`.
 *
 * Every variant starts from a fresh data directory migrated by the real `openStore`, builds the
 * events with the connector's own `toEvent` and the envelope the core builds, and includes
 * `JSON.stringify` of each envelope. Variants run in turns (round-robin), each `BENCH_BATCHES`
 * (default 300) batches of 100 after 50 warm-up batches, `BENCH_ROUNDS` (default 3) rounds; the
 * figure is the median.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import type { Update } from "grammy/types";
import { toEvent } from "../../src/connectors/telegram/updates.js";
import type { EventEnvelope } from "../../src/events/types.js";
import { openStore } from "../../src/store/open.js";

const BATCH = 100;
const WARMUP = 50;
const BATCHES = Number(process.env["BENCH_BATCHES"] ?? 300);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);
const BOT_ID = "7000000001";

/** A text message update from one of 50 users, as the Bot API sandbox writes it. */
function update(updateId: number): Update {
  const user = 100_000 + (updateId % 50);
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user, type: "private", first_name: `User ${user}` },
      from: { id: user, is_bot: false, first_name: `User ${user}` },
      text: `hello number ${updateId}`,
    },
  } as Update;
}

/** The envelopes of one batch, as the core builds them from the connector's events. */
function envelopes(firstUpdateId: number, randomIds = false): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  for (let i = 0; i < BATCH; i++) {
    const e = toEvent(update(firstUpdateId + i), BOT_ID, false);
    if (!e) throw new Error("no event");
    out.push({ id: randomIds ? `evt_${randomUUID()}` : e.id, type: e.type, instance: "b", platform: "telegram", metadata: {}, ts: e.ts ?? Date.now(), data: e.data } as EventEnvelope);
  }
  return out;
}

/** A data directory migrated by the real store, with one instance; returns its id and path. */
async function freshStore(): Promise<{ dir: string; instanceId: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-floor-"));
  const store = await openStore({ dataDir: dir });
  const instanceId = randomUUID();
  await store.instances.create({
    id: instanceId,
    name: "b",
    platform: "telegram",
    config: {},
    metadata: {},
    desired: "running",
    status: { state: "stopped", reason: "user" },
    logoutIntent: null,
    createdAt: Date.now(),
  });
  await store.close();
  return { dir, instanceId };
}

/** Runs `batch(firstUpdateId)` WARMUP + BATCHES times; returns µs per update of the measured part. */
async function measure(batch: (first: number) => unknown): Promise<number> {
  let next = 1;
  for (let i = 0; i < WARMUP; i++, next += BATCH) await batch(next);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++, next += BATCH) await batch(next);
  return Number(process.hrtime.bigint() - t0) / 1000 / (BATCHES * BATCH);
}

/** The gateway's path: `events.append` of the SQLite store. */
async function viaStore(): Promise<number> {
  const { dir, instanceId } = await freshStore();
  const store = await openStore({ dataDir: dir });
  try {
    return await measure((first) => store.events.append(instanceId, envelopes(first), { offset: first + BATCH, server: "bench" }));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same statements straight to better-sqlite3 (pragmas as `openSqliteStore`). */
async function raw(opts: { checkpoint: boolean; returning: boolean; randomIds?: boolean }): Promise<number> {
  const { dir, instanceId } = await freshStore();
  const db = new Sqlite(join(dir, "switchboard.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("secure_delete = ON");
    if (!opts.checkpoint) db.pragma("wal_autocheckpoint = 0");
    const tuples = Array.from({ length: BATCH }, () => "(?, ?, ?, ?, ?)").join(", ");
    const insert = db.prepare(
      `insert into "events" ("id", "instance_id", "type", "ts", "envelope") values ${tuples} on conflict ("id") do nothing` +
        (opts.returning ? ` returning "seq", "id"` : ""),
    );
    const state = db.prepare(
      `insert into "connector_state" ("instance_id", "key", "value") values (?, ?, ?) on conflict ("instance_id", "key") do update set "value" = excluded."value"`,
    );
    const tx = db.transaction((first: number) => {
      const params: unknown[] = [];
      for (const e of envelopes(first, opts.randomIds)) params.push(e.id, instanceId, e.type, e.ts, JSON.stringify(e));
      if (opts.returning) insert.all(params);
      else insert.run(params);
      state.run(instanceId, "offset", JSON.stringify(first + BATCH));
      state.run(instanceId, "server", JSON.stringify("bench"));
    });
    return await measure((first) => tx(first));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants: Record<string, () => Promise<number>> = {
  store: viaStore,
  raw: () => raw({ checkpoint: true, returning: true }),
  rawNoCheckpoint: () => raw({ checkpoint: false, returning: true }),
  rawNoReturning: () => raw({ checkpoint: true, returning: false }),
  rawNeither: () => raw({ checkpoint: false, returning: false }),
  rawRandomIds: () => raw({ checkpoint: true, returning: true, randomIds: true }),
};
const runs: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(variants)) runs[name]!.push(await run());
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number): number => Math.round(x * 100) / 100;
console.log(
  JSON.stringify(
    {
      node: process.version,
      batch: BATCH,
      batches: BATCHES,
      rounds: ROUNDS,
      usPerUpdate: Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, { median: round2(median(xs)), runs: xs.map(round2) }])),
    },
    null,
    2,
  ),
);
