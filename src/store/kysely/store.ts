import { sql, type Kysely } from "kysely";
import type { Store } from "../types.js";
import { runMigrations } from "../migrations/index.js";
import type { DialectHooks } from "./dialect.js";
import { guard } from "./errors.js";
import { EventCodec } from "./event-codec.js";
import { KyselyEventStore } from "./events.js";
import { KyselyHistoryStore } from "./history.js";
import { KyselyIdempotencyStore } from "./idempotency.js";
import { KyselyInstanceStore } from "./instances.js";
import type { Database } from "./schema.js";
import { KyselySecretStore } from "./secrets.js";
import { KyselyTokenStore } from "./tokens.js";
import { KyselyWebhookStore } from "./webhooks.js";

/**
 * The one {@link Store} implementation, shared by SQLite and Postgres. `db` is owned by the store:
 * `close()` destroys it, then calls `hooks.release()`. Every method rejects with `SwitchboardError`
 * (`STORAGE_FAILED` for database failures, with the engine error as `cause`).
 */
export function createKyselyStore(db: Kysely<Database>, hooks: DialectHooks): Store {
  let closing: Promise<void> | undefined;
  const codec = new EventCodec();
  return {
    kind: hooks.kind,
    useSealer: (sealer) => codec.use(sealer),
    instances: new KyselyInstanceStore(db, hooks, codec),
    secrets: new KyselySecretStore(db, hooks),
    tokens: new KyselyTokenStore(db),
    history: new KyselyHistoryStore(db),
    idempotency: new KyselyIdempotencyStore(db),
    events: new KyselyEventStore(db, hooks.kind, codec),
    webhooks: new KyselyWebhookStore(db, hooks.kind, codec),
    migrate: () =>
      guard("migrate", async () => {
        await hooks.prepareMigrations(db);
        await runMigrations(db as Kysely<unknown>, hooks, { schema: hooks.migrationSchema });
      }),
    ping: () =>
      guard("ping", async () => {
        await sql`select 1`.execute(db);
      }),
    close: () =>
      (closing ??= guard("close", async () => {
        try {
          await db.destroy();
        } finally {
          await hooks.release();
        }
      })),
  };
}
