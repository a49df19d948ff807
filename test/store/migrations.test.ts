import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATION_TABLE, migrationProvider } from "../../src/store/migrations/index.js";
import { openStore } from "../../src/store/open.js";
import { DB_FILE } from "../../src/store/sqlite/index.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("migration 0003_outbox", () => {
  it("keeps the events of a 0002 database with their seq, and new events get higher ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-mig-"));
    dirs.push(dir);
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(join(dir, DB_FILE)) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
    const migrator = new Migrator({
      db,
      provider: migrationProvider({ kind: "sqlite", blobType: "blob" }),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: `${MIGRATION_TABLE}_lock`,
    });
    expect((await migrator.migrateTo("0002_events")).error).toBeUndefined();
    await db
      .insertInto("instances")
      .values({ id: "i1", name: "a", platform: "memory", config: "{}", metadata: "{}", desired: "stopped", status: '{"state":"stopped","reason":"user"}', logout_intent: null, created_at: 1, updated_at: 1 })
      .execute();
    const envelope = (id: string): string => JSON.stringify({ id, type: "message.received", instance: "a", platform: "memory", ts: 5, metadata: {}, data: {} });
    await sql`insert into events (seq, id, instance_id, type, ts, envelope) values (7, 'e7', 'i1', 'message.received', 5, ${envelope("e7")}), (9, 'e9', 'i1', 'message.received', 5, ${envelope("e9")})`.execute(db);
    await db.destroy();

    const store = await openStore({ dataDir: dir });
    try {
      expect((await store.events.list("i1", { limit: 10 })).map((e) => [e.seq, e.envelope.id])).toEqual([
        [7, "e7"],
        [9, "e9"],
      ]);
      const [added] = await store.events.append("i1", [{ ...JSON.parse(envelope("e10")) }]);
      expect(added!.seq).toBeGreaterThan(9);
      // No foreign key any more: the farewell of a purged instance stays.
      const { stored } = await store.instances.purge("i1", { ...JSON.parse(envelope("bye")), type: "instance.deleted", data: { remote: "unconfirmed" } });
      expect(stored?.seq).toBeGreaterThan(added!.seq);
      expect(await store.events.locate("bye")).toEqual({ seq: stored!.seq, instanceId: "i1" });
    } finally {
      await store.close();
    }
  });
});
