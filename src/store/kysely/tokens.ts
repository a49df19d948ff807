import type { Kysely, Selectable } from "kysely";
import type { TokenRecord, TokenStore } from "../types.js";
import { guard } from "./errors.js";
import type { Database, TokensTable } from "./schema.js";

function toRecord(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    hash: row.hash,
    scope: row.scope as TokenRecord["scope"],
    instanceId: row.instance_id,
    label: row.label,
    createdAt: Number(row.created_at),
  };
}

/**
 * {@link TokenStore} over Kysely. `list` orders by creation time, then id. A duplicate id or hash, or
 * an `instanceId` naming no instance, fails with `STORAGE_FAILED`.
 */
export class KyselyTokenStore implements TokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  create(rec: TokenRecord): Promise<void> {
    return guard("tokens.create", async () => {
      await this.db
        .insertInto("tokens")
        .values({
          id: rec.id,
          hash: rec.hash,
          scope: rec.scope,
          instance_id: rec.instanceId,
          label: rec.label,
          created_at: rec.createdAt,
        })
        .execute();
    });
  }

  findByHash(hash: string): Promise<TokenRecord | undefined> {
    return guard("tokens.findByHash", async () => {
      const row = await this.db.selectFrom("tokens").selectAll().where("hash", "=", hash).executeTakeFirst();
      return row && toRecord(row);
    });
  }

  list(opts: { instanceId?: string } = {}): Promise<TokenRecord[]> {
    return guard("tokens.list", async () => {
      let q = this.db.selectFrom("tokens").selectAll();
      if (opts.instanceId !== undefined) q = q.where("instance_id", "=", opts.instanceId);
      const rows = await q.orderBy("created_at", "asc").orderBy("id", "asc").execute();
      return rows.map(toRecord);
    });
  }

  delete(id: string): Promise<boolean> {
    return guard("tokens.delete", async () => {
      const res = await this.db.deleteFrom("tokens").where("id", "=", id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  countAccount(): Promise<number> {
    return guard("tokens.countAccount", async () => {
      const row = await this.db
        .selectFrom("tokens")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("scope", "=", "account")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }
}
