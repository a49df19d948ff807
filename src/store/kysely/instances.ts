import type { Kysely, Selectable, Updateable } from "kysely";
import { err } from "../../core/errors.js";
import type { DesiredState, InstanceStatus } from "../../core/status.js";
import type { EventEnvelope } from "../../events/types.js";
import type { InstancePatch, InstanceRecord, InstanceStore, LogoutIntent, StoredEvent } from "../types.js";
import type { DialectHooks } from "./dialect.js";
import { guard, toStorageError } from "./errors.js";
import type { EventCodec } from "./event-codec.js";
import { appendEvents } from "./outbox.js";
import { purgeInstanceWebhooks } from "./webhooks.js";
import type { Database, InstancesTable } from "./schema.js";

/** Largest page {@link InstanceStore.list} returns; larger limits are clamped. */
export const MAX_LIST_LIMIT = 500;

function toRecord(row: Selectable<InstancesTable>): InstanceRecord {
  return {
    id: row.id,
    name: row.name,
    platform: row.platform,
    config: JSON.parse(row.config) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    desired: row.desired as DesiredState,
    status: JSON.parse(row.status) as InstanceStatus,
    logoutIntent: row.logout_intent === null ? null : (JSON.parse(row.logout_intent) as LogoutIntent),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * {@link InstanceStore} over Kysely. `create` sets `updatedAt = createdAt`; `list` clamps `limit` to
 * 1–500 and orders names bytewise on both engines.
 */
export class KyselyInstanceStore implements InstanceStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hooks: DialectHooks,
    private readonly codec: EventCodec,
  ) {}

  async create(rec: Omit<InstanceRecord, "updatedAt">): Promise<InstanceRecord> {
    const row: InstancesTable = {
      id: rec.id,
      name: rec.name,
      platform: rec.platform,
      config: JSON.stringify(rec.config),
      metadata: JSON.stringify(rec.metadata),
      desired: rec.desired,
      status: JSON.stringify(rec.status),
      logout_intent: rec.logoutIntent === null ? null : JSON.stringify(rec.logoutIntent),
      created_at: rec.createdAt,
      updated_at: rec.createdAt,
    };
    try {
      await this.db.insertInto("instances").values(row).execute();
    } catch (e) {
      if (this.hooks.isUniqueViolation(e)) throw err("INSTANCE_EXISTS", { details: { name: rec.name }, cause: e });
      throw toStorageError("instances.create", e);
    }
    return toRecord(row);
  }

  get(name: string): Promise<InstanceRecord | undefined> {
    return guard("instances.get", async () => {
      const row = await this.db.selectFrom("instances").selectAll().where("name", "=", name).executeTakeFirst();
      return row && toRecord(row);
    });
  }

  getById(id: string): Promise<InstanceRecord | undefined> {
    return guard("instances.getById", async () => {
      const row = await this.db.selectFrom("instances").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRecord(row);
    });
  }

  list(opts: { limit: number; after?: string; platform?: string }): Promise<InstanceRecord[]> {
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(opts.limit) || 1));
    return guard("instances.list", async () => {
      let q = this.db.selectFrom("instances").selectAll();
      if (opts.after !== undefined) q = q.where("name", ">", opts.after);
      if (opts.platform !== undefined) q = q.where("platform", "=", opts.platform);
      const rows = await q.orderBy("name", "asc").limit(limit).execute();
      return rows.map(toRecord);
    });
  }

  all(): Promise<InstanceRecord[]> {
    return guard("instances.all", async () => {
      const rows = await this.db.selectFrom("instances").selectAll().orderBy("name", "asc").execute();
      return rows.map(toRecord);
    });
  }

  update(id: string, patch: InstancePatch): Promise<InstanceRecord> {
    return guard("instances.update", () => this.write(this.db, id, patch));
  }

  updateWithEvents(id: string, patch: InstancePatch, events: readonly EventEnvelope[]): Promise<{ record: InstanceRecord; stored: StoredEvent[] }> {
    if (events.length === 0) return this.update(id, patch).then((record) => ({ record, stored: [] }));
    return guard("instances.update", () =>
      this.db.transaction().execute(async (trx) => {
        const record = await this.write(trx, id, patch);
        return { record, stored: await appendEvents(trx, this.hooks.kind, id, events, this.codec) };
      }),
    );
  }

  /** The row update of {@link update}, on `db` or inside a transaction. */
  private async write(db: Kysely<Database>, id: string, patch: InstancePatch): Promise<InstanceRecord> {
    const set: Updateable<InstancesTable> = { updated_at: Date.now() };
    if (patch.config !== undefined) set.config = JSON.stringify(patch.config);
    if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata);
    if (patch.desired !== undefined) set.desired = patch.desired;
    if (patch.status !== undefined) set.status = JSON.stringify(patch.status);
    if (patch.logoutIntent !== undefined) {
      set.logout_intent = patch.logoutIntent === null ? null : JSON.stringify(patch.logoutIntent);
    }
    const row = await db.updateTable("instances").set(set).where("id", "=", id).returningAll().executeTakeFirst();
    if (row === undefined) throw err("INSTANCE_NOT_FOUND", { details: { id } });
    return toRecord(row);
  }

  purge(id: string, farewell?: EventEnvelope): Promise<{ deleted: boolean; stored: StoredEvent | null }> {
    return guard("instances.purge", async () => {
      const { deleted, stored, secretsDeleted } = await this.db.transaction().execute(async (trx) => {
        const s = await trx.deleteFrom("secrets").where("instance_id", "=", id).executeTakeFirst();
        await trx.deleteFrom("tokens").where("instance_id", "=", id).execute();
        await trx.deleteFrom("status_history").where("instance_id", "=", id).execute();
        await trx.deleteFrom("idempotency_keys").where("instance_id", "=", id).execute();
        await trx.deleteFrom("events").where("instance_id", "=", id).execute();
        await trx.deleteFrom("connector_state").where("instance_id", "=", id).execute();
        await purgeInstanceWebhooks(trx, id);
        const i = await trx.deleteFrom("instances").where("id", "=", id).executeTakeFirst();
        const deleted = Number(i.numDeletedRows) > 0;
        // The farewell outlives the instance: events have no foreign key to it.
        const stored = deleted && farewell ? ((await appendEvents(trx, this.hooks.kind, id, [farewell], this.codec))[0] ?? null) : null;
        return { deleted, stored, secretsDeleted: Number(s.numDeletedRows) };
      });
      if (secretsDeleted > 0) await this.hooks.afterSecretsDeleted(this.db);
      return { deleted, stored };
    });
  }
}
