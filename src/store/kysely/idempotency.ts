import type { Kysely, Selectable } from "kysely";
import type { IdempotencyRecord, IdempotencyStore } from "../types.js";
import { guard } from "./errors.js";
import type { Database, IdempotencyKeysTable } from "./schema.js";

function toRecord(row: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  return {
    tokenId: row.token_id,
    key: row.key,
    fingerprint: row.fingerprint,
    state: row.state as IdempotencyRecord["state"],
    statusCode: row.status_code === null ? null : Number(row.status_code),
    body: row.body,
    createdAt: Number(row.created_at),
    instanceId: row.instance_id,
  };
}

/** How often `begin` retries when the conflicting record vanishes between its insert and its read. */
const BEGIN_ATTEMPTS = 5;

/**
 * {@link IdempotencyStore} over Kysely. `begin` is atomic: of concurrent callers with the same
 * (tokenId, key), exactly one gets `created: true`. `begin` stores the record as `in_flight` whatever
 * `rec.state` says. `abandon` only removes `in_flight` records (a finished response stays replayable).
 */
export class KyselyIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<Database>) {}

  begin(rec: IdempotencyRecord): Promise<{ created: true } | { created: false; existing: IdempotencyRecord }> {
    return guard("idempotency.begin", async () => {
      for (let attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
        const res = await this.db
          .insertInto("idempotency_keys")
          .values({
            token_id: rec.tokenId,
            key: rec.key,
            fingerprint: rec.fingerprint,
            state: "in_flight",
            status_code: null,
            body: null,
            created_at: rec.createdAt,
            instance_id: rec.instanceId,
          })
          .onConflict((oc) => oc.columns(["token_id", "key"]).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) return { created: true as const };
        const row = await this.db
          .selectFrom("idempotency_keys")
          .selectAll()
          .where("token_id", "=", rec.tokenId)
          .where("key", "=", rec.key)
          .executeTakeFirst();
        if (row !== undefined) return { created: false as const, existing: toRecord(row) };
      }
      throw new Error("idempotency key kept changing under begin()");
    });
  }

  complete(tokenId: string, key: string, statusCode: number, body: string): Promise<void> {
    return guard("idempotency.complete", async () => {
      await this.db
        .updateTable("idempotency_keys")
        .set({ state: "done", status_code: statusCode, body })
        .where("token_id", "=", tokenId)
        .where("key", "=", key)
        .execute();
    });
  }

  abandon(tokenId: string, key: string): Promise<void> {
    return guard("idempotency.abandon", async () => {
      await this.db
        .deleteFrom("idempotency_keys")
        .where("token_id", "=", tokenId)
        .where("key", "=", key)
        .where("state", "=", "in_flight")
        .execute();
    });
  }

  prune(before: number): Promise<number> {
    return guard("idempotency.prune", async () => {
      const res = await this.db.deleteFrom("idempotency_keys").where("created_at", "<", before).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }
}
