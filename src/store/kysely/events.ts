import type { Kysely } from "kysely";
import type { EventEnvelope } from "../../events/types.js";
import type { EventStore, StoredEvent } from "../types.js";
import { guard } from "./errors.js";
import type { Database } from "./schema.js";

/** {@link EventStore} over Kysely, the same SQL on SQLite and Postgres. */
export class KyselyEventStore implements EventStore {
  constructor(private readonly db: Kysely<Database>) {}

  append(instanceId: string, events: readonly EventEnvelope[], state: Readonly<Record<string, unknown>> = {}): Promise<StoredEvent[]> {
    return guard("events.append", () =>
      this.db.transaction().execute(async (trx) => {
        const stored: StoredEvent[] = [];
        for (const envelope of events) {
          const row = await trx
            .insertInto("events")
            .values({ id: envelope.id, instance_id: instanceId, type: envelope.type, ts: envelope.ts, envelope: JSON.stringify(envelope) })
            .onConflict((oc) => oc.column("id").doNothing())
            .returning("seq")
            .executeTakeFirst();
          if (row) stored.push({ seq: Number(row.seq), envelope });
        }
        for (const [key, value] of Object.entries(state)) {
          await trx
            .insertInto("connector_state")
            .values({ instance_id: instanceId, key, value: JSON.stringify(value) })
            .onConflict((oc) => oc.columns(["instance_id", "key"]).doUpdateSet({ value: JSON.stringify(value) }))
            .execute();
        }
        return stored;
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
