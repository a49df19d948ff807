import type { Kysely } from "kysely";
import type { HistoryEntry, HistoryStore } from "../types.js";
import { guard } from "./errors.js";
import type { Database } from "./schema.js";

/**
 * {@link HistoryStore} over Kysely. "Newest" means most recently appended (insertion order), not the
 * largest `ts`, so a clock step backwards never reorders transitions.
 */
export class KyselyHistoryStore implements HistoryStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * `keep` is a count (< 1 keeps nothing). Inserts, then prunes in a separate single statement that
   * runs after the insert is committed, so concurrent appends converge on `keep` entries on both
   * engines (a prune computed inside each appender's own transaction would miss the others' rows
   * under Postgres read-committed). Fails with `STORAGE_FAILED` for an unknown instance id.
   */
  append(instanceId: string, entry: HistoryEntry, keep: number): Promise<void> {
    return guard("history.append", async () => {
      await this.db
        .insertInto("status_history")
        .values({ instance_id: instanceId, ts: entry.ts, from_state: entry.from, to_state: entry.to, reason: entry.reason })
        .execute();
      const keepN = Math.max(0, Math.floor(keep));
      // Everything at or below the newest row beyond the ones to keep goes.
      await this.db
        .deleteFrom("status_history")
        .where("instance_id", "=", instanceId)
        .where("id", "<=", (eb) =>
          eb
            .selectFrom("status_history")
            .select("id")
            .where("instance_id", "=", instanceId)
            .orderBy("id", "desc")
            .limit(1)
            .offset(keepN),
        )
        .execute();
    });
  }

  list(instanceId: string, limit: number): Promise<HistoryEntry[]> {
    return guard("history.list", async () => {
      const rows = await this.db
        .selectFrom("status_history")
        .select(["ts", "from_state", "to_state", "reason"])
        .where("instance_id", "=", instanceId)
        .orderBy("id", "desc")
        .limit(Math.max(0, Math.floor(limit)))
        .execute();
      return rows.map((r) => ({ ts: Number(r.ts), from: r.from_state, to: r.to_state, reason: r.reason }));
    });
  }
}
