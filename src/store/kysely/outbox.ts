import { CompiledQuery, sql, type Kysely, type Transaction } from "kysely";
import type { EventEnvelope } from "../../events/types.js";
import type { StoredEvent } from "../types.js";
import type { EventCodec } from "./event-codec.js";
import type { Database } from "./schema.js";

/** Events per multi-row insert (5 parameters each, far below either engine's limit). */
const APPEND_CHUNK = 200;

/**
 * The multi-row insert of a chunk, written out rather than built: this is the hot path of every
 * inbound message, and Kysely's builder cost more per row than SQLite's insert (bench/telegram).
 * The SQL text depends only on the row count, so the SQLite statement cache reuses it.
 */
function insertQuery(
  kind: "sqlite" | "postgres",
  instanceId: string | null,
  chunk: readonly EventEnvelope[],
  codec: EventCodec,
): CompiledQuery<{ seq: number; id: string }> {
  const params: unknown[] = [];
  const tuples: string[] = [];
  const ph = (): string => (kind === "postgres" ? `$${params.length}` : "?");
  for (const e of chunk) {
    const cols: string[] = [];
    for (const v of [e.id, instanceId, e.type, e.ts, codec.encode(e)]) {
      params.push(v);
      cols.push(ph());
    }
    tuples.push(`(${cols.join(", ")})`);
  }
  return CompiledQuery.raw(
    `insert into "events" ("id", "instance_id", "type", "ts", "envelope") values ${tuples.join(", ")} on conflict ("id") do nothing returning "seq", "id"`,
    params,
  );
}

/**
 * Appends events to the outbox inside the caller's transaction `trx`. Ids already stored are skipped
 * (a redelivered platform update) and not returned. The envelope column is written by `codec` (a
 * login secret is stored sealed, see {@link EventCodec}).
 *
 * Visibility order: readers page through the outbox by `seq` and must never see a lower seq appear
 * after a higher one. SQLite runs one write transaction at a time, so that holds by itself; on
 * Postgres, sequence values are taken at insert but become visible at commit, so concurrent
 * transactions could commit out of order — a transaction-level advisory lock serialises every
 * event-writing transaction of the schema until its commit.
 *
 * @returns the stored events, ascending by seq. Must run in a transaction.
 */
export async function appendEvents(
  trx: Transaction<Database> | Kysely<Database>,
  kind: "sqlite" | "postgres",
  instanceId: string | null,
  events: readonly EventEnvelope[],
  codec: EventCodec,
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  if (kind === "postgres") await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':switchboard:outbox'))`.execute(trx);
  const stored: StoredEvent[] = [];
  for (let i = 0; i < events.length; i += APPEND_CHUNK) {
    const chunk = events.slice(i, i + APPEND_CHUNK);
    const { rows } = await trx.executeQuery<{ seq: number; id: string }>(insertQuery(kind, instanceId, chunk, codec));
    const seqById = new Map(rows.map((r) => [r.id, Number(r.seq)]));
    for (const envelope of chunk) {
      const seq = seqById.get(envelope.id);
      if (seq !== undefined && seqById.delete(envelope.id)) stored.push({ seq, envelope });
    }
  }
  return stored.sort((a, b) => a.seq - b.seq);
}
