import { CompiledQuery, type Kysely } from "kysely";
import type { EventEnvelope } from "../../events/types.js";
import type { EventStore, StoredEvent } from "../types.js";
import { guard } from "./errors.js";
import type { Database } from "./schema.js";

/** Events per multi-row insert (6 parameters each, far below either engine's limit). */
const APPEND_CHUNK = 200;

/** {@link EventStore} over Kysely, the same SQL on SQLite and Postgres. */
export class KyselyEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: "sqlite" | "postgres",
  ) {}

  /**
   * The multi-row insert of a chunk, written out rather than built: this is the hot path of every
   * inbound message, and Kysely's builder cost more per row than SQLite's insert (bench/telegram).
   * The SQL text depends only on the row count, so the SQLite statement cache reuses it.
   */
  private insertQuery(instanceId: string, chunk: readonly EventEnvelope[]): CompiledQuery<{ seq: number; id: string }> {
    const params: unknown[] = [];
    const tuples: string[] = [];
    const ph = (): string => (this.kind === "postgres" ? `$${params.length}` : "?");
    for (const e of chunk) {
      const cols: string[] = [];
      for (const v of [e.id, instanceId, e.type, e.ts, JSON.stringify(e)]) {
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

  append(instanceId: string, events: readonly EventEnvelope[], state: Readonly<Record<string, unknown>> = {}): Promise<StoredEvent[]> {
    return guard("events.append", () =>
      this.db.transaction().execute(async (trx) => {
        const stored: StoredEvent[] = [];
        // One multi-row insert per chunk; ids already stored are skipped and not returned.
        for (let i = 0; i < events.length; i += APPEND_CHUNK) {
          const chunk = events.slice(i, i + APPEND_CHUNK);
          const { rows } = await trx.executeQuery<{ seq: number; id: string }>(this.insertQuery(instanceId, chunk));
          const seqById = new Map(rows.map((r) => [r.id, Number(r.seq)]));
          for (const envelope of chunk) {
            const seq = seqById.get(envelope.id);
            if (seq !== undefined && seqById.delete(envelope.id)) stored.push({ seq, envelope });
          }
        }
        for (const [key, value] of Object.entries(state)) {
          await trx
            .insertInto("connector_state")
            .values({ instance_id: instanceId, key, value: JSON.stringify(value) })
            .onConflict((oc) => oc.columns(["instance_id", "key"]).doUpdateSet({ value: JSON.stringify(value) }))
            .execute();
        }
        return stored.sort((a, b) => a.seq - b.seq);
      }),
    );
  }

  list(instanceId: string, opts: { afterSeq?: number; limit: number }): Promise<StoredEvent[]> {
    return guard("events.list", async () => {
      const limit = Math.min(Math.max(Math.floor(opts.limit), 1), 1000);
      const rows = await this.db
        .selectFrom("events")
        .select(["seq", "envelope"])
        .where("instance_id", "=", instanceId)
        .where("seq", ">", opts.afterSeq ?? 0)
        .orderBy("seq", "asc")
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), envelope: JSON.parse(r.envelope) as EventEnvelope }));
    });
  }

  state(instanceId: string): Promise<Record<string, unknown>> {
    return guard("events.state", async () => {
      const rows = await this.db.selectFrom("connector_state").select(["key", "value"]).where("instance_id", "=", instanceId).execute();
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    });
  }

  clearState(instanceId: string): Promise<void> {
    return guard("events.clearState", async () => {
      await this.db.deleteFrom("connector_state").where("instance_id", "=", instanceId).execute();
    });
  }
}
