import type { Kysely, Transaction } from "kysely";
import type { SecretStore } from "../types.js";
import type { DialectHooks } from "./dialect.js";
import { guard } from "./errors.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

async function upsert(db: Db, instanceId: string, key: string, sealed: Buffer, now: number): Promise<void> {
  await db
    .insertInto("secrets")
    .values({ instance_id: instanceId, key, sealed, updated_at: now })
    .onConflict((oc) =>
      oc.columns(["instance_id", "key"]).doUpdateSet((eb) => ({
        sealed: eb.ref("excluded.sealed"),
        updated_at: eb.ref("excluded.updated_at"),
      })),
    )
    .execute();
}

/**
 * {@link SecretStore} over Kysely. Stores sealed bytes as given (blob/bytea). Writing a secret for an
 * instance id that does not exist fails with `STORAGE_FAILED` (foreign key).
 */
export class KyselySecretStore implements SecretStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hooks: DialectHooks,
  ) {}

  get(instanceId: string, key: string): Promise<Buffer | undefined> {
    return guard("secrets.get", async () => {
      const row = await this.db
        .selectFrom("secrets")
        .select("sealed")
        .where("instance_id", "=", instanceId)
        .where("key", "=", key)
        .executeTakeFirst();
      return row && Buffer.from(row.sealed);
    });
  }

  put(instanceId: string, key: string, sealed: Buffer): Promise<void> {
    return guard("secrets.put", () => upsert(this.db, instanceId, key, sealed, Date.now()));
  }

  putMany(instanceId: string, entries: ReadonlyArray<readonly [key: string, sealed: Buffer | null]>): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return guard("secrets.putMany", () =>
      this.db.transaction().execute(async (trx) => {
        const now = Date.now();
        for (const [key, sealed] of entries) {
          if (sealed === null) {
            await trx.deleteFrom("secrets").where("instance_id", "=", instanceId).where("key", "=", key).execute();
          } else {
            await upsert(trx, instanceId, key, sealed, now);
          }
        }
      }),
    );
  }

  delete(instanceId: string, key: string): Promise<void> {
    return guard("secrets.delete", async () => {
      await this.db.deleteFrom("secrets").where("instance_id", "=", instanceId).where("key", "=", key).execute();
    });
  }

  count(instanceId: string): Promise<number> {
    return guard("secrets.count", async () => {
      const row = await this.db
        .selectFrom("secrets")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("instance_id", "=", instanceId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  wipe(instanceId: string): Promise<number> {
    return guard("secrets.wipe", async () => {
      const res = await this.db.deleteFrom("secrets").where("instance_id", "=", instanceId).executeTakeFirst();
      const n = Number(res.numDeletedRows);
      // Always flush, even when nothing was deleted now: an earlier delete (`delete`, `putMany` with
      // null, a replaced value) may have left old pages in the WAL.
      await this.hooks.afterSecretsDeleted(this.db);
      return n;
    });
  }
}
